package dev.trickle.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stack's PostgreSQL: an embedded PostgreSQL 15 (zonky; {@code wal_level=logical}, prepared
 * transactions on) with its data under the work dir, or an external server given by URL. The embedded
 * server can be killed like a crash ({@link #kill()}) and started again on the same data and port
 * ({@link #restart(Duration)}).
 *
 * <p>The embedded server asks every client for a password (scram-sha-256, on TCP and on its Unix socket alike):
 * initdb gets a random one ({@link PgPasswordFiles}), kept beside the data directory in {@code pg-password} and
 * published for psql in {@code pgpass}, both 0600. Its {@link #url()} names that pgpass file.
 */
public final class Postgres implements AutoCloseable {
    /** Database the embedded server creates for Trickle. */
    public static final String EMBEDDED_DATABASE = "trickle";
    /** The embedded server's superuser, as zonky's initdb names it. */
    public static final String SUPERUSER = "postgres";

    private final PgUrl url;
    private final Path passfile;
    private final EmbeddedPostgres embedded;
    private final Path dataDir;
    private final Path logFile;
    private Process watchdog;

    private Postgres(PgUrl url, Path passfile, EmbeddedPostgres embedded, Path dataDir, Path logFile, Process watchdog) {
        this.url = url;
        this.passfile = passfile;
        this.embedded = embedded;
        this.dataDir = dataDir;
        this.logFile = logFile;
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
            Path dir = Files.createDirectories(dataDir.toAbsolutePath().getParent());
            String password = embeddedPassword(dataDir.toAbsolutePath(), cleanDataDir);
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
                    // zonky's default is off: then a crash of PostgreSQL (not of the machine) loses the last
                    // acknowledged commits, sources' and the sink's alike; with fsync off, on costs one write()
                    .setServerConfig("synchronous_commit", "on")
                    // initdb (run when the data directory is new) takes the password and asks for it from then
                    // on: no moment at which the server trusts whoever connects. zonky puts these after its
                    // own "-A trust", and initdb's last option wins.
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", dir.resolve(PgPasswordFiles.PASSWORD_FILE).toString())
                    .setConnectConfig("password", password)
                    .start();
            Process watchdog = null;
            Path passfile = dir.resolve(PgPasswordFiles.PGPASS_FILE);
            try {
                createDatabase(pg, password);
                watchdog = startWatchdog(dataDir.toAbsolutePath());
                PgPasswordFiles.writePgpass(passfile, pg.getPort(), SUPERUSER, password);
            } catch (RuntimeException e) {
                pg.close();
                throw e;
            }
            PgUrl url = new PgUrl("127.0.0.1", pg.getPort(), EMBEDDED_DATABASE, SUPERUSER, password, null);
            return new Postgres(url, passfile, pg, dataDir.toAbsolutePath(), logFile.toAbsolutePath(), watchdog);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL (log: " + logFile + ")", e);
        }
    }

    /**
     * The embedded server's password: a new one for a new data directory (written where initdb reads it), else
     * the one its data directory was created with.
     */
    private static String embeddedPassword(Path dataDir, boolean cleanDataDir) throws IOException {
        Path file = dataDir.getParent().resolve(PgPasswordFiles.PASSWORD_FILE);
        boolean existing = !cleanDataDir && Files.exists(dataDir.resolve("postgresql.conf"));
        if (existing) {
            if (!Files.exists(file)) {
                throw new IllegalStateException("the PostgreSQL data in " + dataDir + " has no password file " + file
                        + " (it was made by an older Trickle, whose server trusted every local user): delete " + dataDir
                        + " or start without --keep");
            }
            return PgPasswordFiles.readPassword(file);
        }
        String password = PgPasswordFiles.generate();
        PgPasswordFiles.writePassword(file, password);
        return password;
    }

    /** An external server: checks that it answers. */
    public static Postgres external(PgUrl url) {
        Postgres pg = new Postgres(url, null, null, null, null, null);
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to PostgreSQL at " + url.display() + ": " + e.getMessage(), e);
        }
        return pg;
    }

    private static void createDatabase(EmbeddedPostgres pg, String password) {
        try (Connection c = DriverManager.getConnection(jdbc(pg.getPort(), "postgres"), SUPERUSER, password);
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
        // Ctrl-C and a closing terminal signal our whole process group: the watchdog must not die of them (its
        // trap is inherited by cat), or a launcher killed after that would leave the server running
        return new ProcessBuilder(List.of("sh", "-c", "trap '' INT HUP; cat >/dev/null; kill -INT \"$0\" 2>/dev/null", pid))
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

    /**
     * For psql and {@code --pg-url}: {@code postgresql://postgres@127.0.0.1:PORT/trickle?passfile=WORKDIR/pgpass}
     * for the embedded server (the password comes from that file), {@code postgresql://USER@HOST:PORT/DB} for an
     * external one. Never the password itself.
     */
    public String url() {
        return passfile == null ? url.display() : url.display(passfile);
    }

    /** The pgpass file with the embedded server's password (null for an external server). */
    public Path passfile() {
        return passfile;
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

    /**
     * Hard stop of the embedded server, as in a crash: SIGKILL of the postmaster and of every process it
     * started, no shutdown checkpoint. Committed transactions survive (the next start replays the WAL),
     * open ones are lost, prepared ones stay prepared. Returns once all of them are gone.
     */
    public synchronized void kill() {
        requireEmbedded("killed");
        Path pidFile = dataDir.resolve("postmaster.pid");
        ProcessHandle postmaster = postmaster(pidFile);
        if (postmaster == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        postmaster.destroyForcibly(); // first, so that it cannot start a crash restart of its children
        all.forEach(ProcessHandle::destroyForcibly);
        all.add(postmaster);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (all.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("PostgreSQL processes did not die within 30 s: " + all);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing PostgreSQL", e);
            }
        }
        try {
            // the pid in it is dead; a later process could get the same pid and pass for the server
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + pidFile, e);
        }
        stopWatchdog();
        appendToLog("=== PostgreSQL killed (SIGKILL of the postmaster and its " + (all.size() - 1) + " processes)");
    }

    /**
     * Starts the embedded server again on the same data directory and port, with the options of its
     * first start ({@code pg_ctl restart} reuses {@code postmaster.opts}); stops it first (fast mode) if
     * it runs. After {@link #kill()} the server recovers from its WAL before it accepts connections.
     */
    public synchronized void restart(Duration timeout) throws InterruptedException {
        requireEmbedded("restarted");
        Path opts = dataDir.resolve("postmaster.opts");
        String bin;
        try {
            bin = Files.readString(opts).trim().split("\\s+")[0].replace("\"", "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + opts + " (was the server ever started?)", e);
        }
        Path pgCtl = Path.of(bin).resolveSibling("pg_ctl");
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U")); // as zonky starts it: PostgreSQL refuses to run as root
        }
        command.addAll(List.of(pgCtl.toString(), "restart", "-D", dataDir.toString(), "-m", "fast", "-w",
                "-t", Long.toString(Math.max(1, timeout.toSeconds()))));
        stopWatchdog();
        appendToLog("=== PostgreSQL restarting: " + String.join(" ", command));
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            if (!p.waitFor(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("pg_ctl restart did not finish within " + timeout.toSeconds()
                        + " s; log: " + logFile);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("pg_ctl restart failed (exit " + p.exitValue() + "); log: " + logFile);
            }
            watchdog = startWatchdog(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart embedded PostgreSQL (log: " + logFile + ")", e);
        }
    }

    /** The embedded server's postmaster, for a user who wants to stop it: "pid N, data DIR". */
    public synchronized String describe() {
        ProcessHandle p = embedded == null ? null : postmaster(dataDir.resolve("postmaster.pid"));
        return (p == null ? "not running" : "pid " + p.pid()) + ", data " + dataDir;
    }

    /** Whether the embedded server's postmaster runs. */
    public synchronized boolean isRunning() {
        return embedded != null && postmaster(dataDir.resolve("postmaster.pid")) != null;
    }

    private static ProcessHandle postmaster(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return null;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
        } catch (IOException | RuntimeException e) {
            return null; // being written or removed: not a running server we can name
        }
    }

    private void requireEmbedded(String what) {
        if (embedded == null) {
            throw new UnsupportedOperationException("only the embedded PostgreSQL can be " + what
                    + "; an external server (" + url.display() + ") is the operator's to stop and start");
        }
    }

    /**
     * Retires the watchdog of the postmaster that is gone or about to be restarted, without letting it
     * signal that pid (a new process may reuse it; pg_ctl does the stopping).
     */
    private void stopWatchdog() {
        Process w = watchdog;
        watchdog = null;
        if (w == null) {
            return;
        }
        w.descendants().forEach(ProcessHandle::destroyForcibly);
        w.destroyForcibly();
        try {
            w.getOutputStream().close();
            w.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException ignored) {
            // it is gone already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void appendToLog(String line) {
        try {
            Files.writeString(logFile, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is a convenience
        }
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
