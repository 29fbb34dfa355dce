package dev.trickle.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The stack's PostgreSQL: an embedded PostgreSQL 15 (zonky; {@code wal_level=logical}, prepared
 * transactions on) with its data under the work dir, or an external server given by URL.
 */
public final class Postgres implements AutoCloseable {
    /** Database the embedded server creates for Trickle. */
    public static final String EMBEDDED_DATABASE = "trickle";

    private final PgUrl url;
    private final EmbeddedPostgres embedded;
    private final Process watchdog;

    private Postgres(PgUrl url, EmbeddedPostgres embedded, Process watchdog) {
        this.url = url;
        this.embedded = embedded;
        this.watchdog = watchdog;
    }

    /** Starts an embedded server with its data in {@code dataDir} and its log in {@code logFile}. */
    public static Postgres startEmbedded(Path dataDir, Path logFile, boolean cleanDataDir) {
        return startEmbedded(dataDir, logFile, cleanDataDir, 0);
    }

    /** As above, on {@code port} if it is positive (else a free one). */
    public static Postgres startEmbedded(Path dataDir, Path logFile, boolean cleanDataDir, int port) {
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Files.createDirectories(dataDir.toAbsolutePath().getParent());
            ProcessBuilder.Redirect log = ProcessBuilder.Redirect.appendTo(logFile.toFile());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder
                    .setDataDirectory(dataDir.toAbsolutePath())
                    .setCleanDataDirectory(cleanDataDir)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(log)
                    .setErrorRedirector(log)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_prepared_transactions", "20")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "off")
                    .start();
            Process watchdog = null;
            try {
                createDatabase(pg);
                watchdog = startWatchdog(dataDir.toAbsolutePath());
            } catch (RuntimeException e) {
                pg.close();
                throw e;
            }
            PgUrl url = new PgUrl("127.0.0.1", pg.getPort(), EMBEDDED_DATABASE, "postgres", "postgres", null);
            return new Postgres(url, pg, watchdog);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL (log: " + logFile + ")", e);
        }
    }

    /** An external server: checks that it answers. */
    public static Postgres external(PgUrl url) {
        Postgres pg = new Postgres(url, null, null);
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to PostgreSQL at " + url.display() + ": " + e.getMessage(), e);
        }
        return pg;
    }

    private static void createDatabase(EmbeddedPostgres pg) {
        try (Connection c = DriverManager.getConnection(jdbc(pg.getPort(), "postgres"), "postgres", "postgres");
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + EMBEDDED_DATABASE + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            // The engine orders text by code point, as the C collation does; C.UTF-8 keeps Unicode case mapping.
            s.execute("CREATE DATABASE " + EMBEDDED_DATABASE
                    + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + EMBEDDED_DATABASE + ": " + e.getMessage(), e);
        }
    }

    private static String jdbc(int port, String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    /**
     * The embedded server is not a child JVM and outlives a killed parent; this small shell process
     * waits for end-of-file on the pipe that only this JVM holds, then asks the postmaster for a fast
     * shutdown.
     */
    private static Process startWatchdog(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        String pid = Files.readAllLines(pidFile).get(0).trim();
        return new ProcessBuilder(List.of("sh", "-c", "cat >/dev/null; kill -INT \"$0\" 2>/dev/null", pid))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    public String jdbcUrl() {
        return url.jdbcUrl();
    }

    public String user() {
        return url.user();
    }

    public String password() {
        return url.password();
    }

    /** {@code postgresql://USER@127.0.0.1:PORT/DB} */
    public String url() {
        return url.display();
    }

    public PgUrl pgUrl() {
        return url;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password());
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                System.err.println("[trickle] could not stop embedded PostgreSQL cleanly: " + e);
            }
        }
        if (watchdog != null) {
            try {
                OutputStream pipe = watchdog.getOutputStream();
                pipe.close(); // its kill finds no server any more
                watchdog.waitFor();
            } catch (IOException e) {
                watchdog.destroyForcibly();
            } catch (InterruptedException e) {
                watchdog.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
