package dev.trickle.bench;

import dev.trickle.core.catalog.CatalogInstaller;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * Runs the write-side capture matrix (issue 11, item 4) and writes it as Markdown ({@code -Dbench.out}, default
 * {@code target/bench-capture-results.md}). PostgreSQL: an embedded PostgreSQL 15 started for the run with
 * production durability (fsync, synchronous_commit and full_page_writes on) and wal_level=logical, or an empty
 * database at {@code -Dbench.pg.url} (with {@code -Dbench.pg.user}, {@code -Dbench.pg.password}; the role must
 * be allowed to replicate). Settings: see {@link CaptureConfig}.
 */
public final class CaptureMain {
    private CaptureMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        CaptureConfig cfg = CaptureConfig.fromSystemProperties();
        Properties credentials = new Properties();
        credentials.setProperty("user", System.getProperty("bench.pg.user", "postgres"));
        credentials.setProperty("password", System.getProperty("bench.pg.password", "postgres"));
        EmbeddedPostgres pg = cfg.pgUrl() == null ? startPostgres() : null;
        try {
            String url = pg == null ? cfg.pgUrl() : database(pg);
            CaptureReport report = run(cfg, url, credentials);
            report.machine.put("command", "mvn -B -pl bench -am -Pbench-capture -DskipTests verify" + settings());
            System.out.println(report.markdown());
            Log.step("results written to %s", cfg.out().toAbsolutePath());
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    /** Installs the catalog, runs the matrix and writes its report. */
    static CaptureReport run(CaptureConfig cfg, String url, Properties credentials) throws Exception {
        CatalogInstaller.install(url, credentials.getProperty("user"), credentials.getProperty("password"));
        CaptureBench bench = new CaptureBench(cfg, url, credentials);
        CaptureReport report = new CaptureReport(cfg, bench);
        report.machine.put("load average at the start", Report.loadAverage());
        report.machine.put("code", Report.codeVersion());
        try (Connection c = DriverManager.getConnection(url, credentials); Statement s = c.createStatement()) {
            report.machine.put("PostgreSQL", one(s, "SELECT version()"));
            report.machine.put("PostgreSQL settings", one(s, "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) "
                    + "FROM pg_settings WHERE name IN ('shared_buffers', 'wal_level', 'fsync', 'synchronous_commit', "
                    + "'full_page_writes', 'max_wal_size', 'checkpoint_timeout', 'jit')"));
            report.machine.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        Log.step("capture matrix: modes %s, widths %s", cfg.modes(), cfg.widths());
        bench.run();
        report.machine.put("load average at the end", Report.loadAverage());
        report.write(cfg.out());
        return report;
    }

    /**
     * PostgreSQL 15 with PostgreSQL's own defaults for durability (zonky turns fsync and synchronous_commit off:
     * a commit costs here what it costs in production), wal_level=logical and room for a replication slot.
     */
    static EmbeddedPostgres startPostgres() throws Exception {
        return EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "4")
                .setServerConfig("max_wal_senders", "4")
                .setServerConfig("shared_buffers", "256MB")
                .setServerConfig("max_wal_size", "2GB")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
    }

    /** A fresh database on the embedded server (its catalog is installed by {@link #run}). */
    static String database(EmbeddedPostgres pg) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE capture_bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        return pg.getJdbcUrl("postgres", "capture_bench");
    }

    /** The -Dbench.capture.* settings given, as -Dbench.args would pass them. */
    private static String settings() {
        String given = System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("bench.capture."))
                .sorted().map(n -> "-D" + n + "=" + System.getProperty(n)).collect(java.util.stream.Collectors.joining(" "));
        return given.isEmpty() ? "" : " -Dbench.args=\"" + given + "\"";
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
