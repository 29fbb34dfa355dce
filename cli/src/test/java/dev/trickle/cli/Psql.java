package dev.trickle.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's psql, where there is one: a user's view of the stack's URL. */
final class Psql {
    private Psql() {
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("psql", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The unaligned, tuples-only output of {@code sql}; fails unless psql exits 0. */
    static String run(String url, String sql) throws IOException, InterruptedException {
        Process p = start(url, sql);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("psql " + url + " failed: " + out);
        }
        return out;
    }

    /** Whether psql fails to run {@code SELECT 1} at {@code url} (never asking for a password on a terminal). */
    static boolean fails(String url) throws IOException, InterruptedException {
        Process p = start(url, "SELECT 1");
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql " + url + " did not finish");
        }
        return p.exitValue() != 0;
    }

    private static Process start(String url, String sql) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of("psql", "-X", "-w", "-At", "-c", sql, url)).redirectErrorStream(true);
        // no password from the environment or the home directory: only what the URL names
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().put("PGPASSFILE", "/nonexistent");
        return pb.start();
    }
}
