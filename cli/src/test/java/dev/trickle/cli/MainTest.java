package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void helpListsTheCommands() {
        assertEquals(0, run("--help"));
        for (String command : new String[] {"install", "local", "demo"}) {
            assertTrue(out.toString().contains(command), out.toString());
        }
    }

    @Test
    void commandHelpShowsItsOptions() {
        assertEquals(0, run("local", "--help"));
        for (String option : new String[] {"--pg-url", "--work-dir", "--keep", "ready pg="}) {
            assertTrue(out.toString().contains(option), out.toString());
        }
        assertEquals(0, run("demo", "--help"));
        assertTrue(out.toString().contains("--rounds"), out.toString());
    }

    @Test
    void versionIsThePomVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().matches("(?s)trickle \\d+\\.\\d+\\.\\d+.*"), out.toString());
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, run("--bogus"));
        assertTrue(err.toString().contains("Unknown option: '--bogus'"), err.toString());
        assertEquals(2, run("local", "--no-such-option"));
        assertTrue(err.toString().contains("--no-such-option"), err.toString());
    }

    @Test
    void avroNeedsARegistryUrlAndIsCheckedBeforeAnythingStarts() {
        assertEquals(1, run("local", "--converter", "avro"));
        assertTrue(err.toString().contains("--converter avro needs --registry-url"), err.toString());
        assertEquals(1, run("local", "--converter", "protobuf"));
        assertTrue(err.toString().contains("use one of [json, avro]"), err.toString());
    }

    @Test
    void installNeedsAPostgresUrl() {
        assertEquals(2, run("install"));
        assertTrue(err.toString().contains("--pg-url"), err.toString());
        assertEquals(2, run("install", "--pg-url", "mysql://x/y"));
        assertTrue(err.toString().contains("not a PostgreSQL URL"), err.toString());
    }

    @Test
    void installInstallsTheCatalogAndIsIdempotent(@TempDir Path dir) {
        try (Postgres pg = Postgres.startEmbedded(dir.resolve("pg"), dir.resolve("pg.log"), true)) {
            String url = "postgresql://postgres@127.0.0.1:" + pg.pgUrl().port() + "/trickle";
            assertEquals(0, run("install", "--pg-url", url, "--pg-password", pg.password()), err.toString());
            assertTrue(out.toString().matches("(?s)Trickle catalog version \\d+(\\.\\d+)+ installed in "
                    + java.util.regex.Pattern.quote(url) + "\\R"), out.toString());
            assertEquals(0, run("install", "--pg-url", "jdbc:" + url.replace("postgres@", "") + "?user=postgres&password="
                    + pg.password()), err.toString());
            assertEquals(0, run("install", "--pg-url", pg.url()), "the URL as the stack prints it: " + err);
            assertFalse(out.toString().contains(pg.password()), out.toString());
            assertEquals(1, run("install", "--pg-url", url, "--pg-password", "Wr0ngSecret9"));
            assertFalse(err.toString().contains("Wr0ngSecret9"), "the password is not echoed: " + err);
        }
    }

    @Test
    void unreachablePostgresIsAClearFailure() {
        int port = Ports.free();
        assertEquals(1, run("install", "--pg-url", "postgresql://nobody@127.0.0.1:" + port + "/db"));
        assertTrue(err.toString().startsWith("error: "), err.toString());
    }
}
