package dev.trickle.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

/**
 * Runs the benchmark of issue #3 and writes its results as Markdown ({@code -Dbench.out}, default
 * {@code target/bench-results.md}): per tick, REFRESH MATERIALIZED VIEW against Trickle's work to bring a
 * stream table of the same query up to date, on a 1,000,000-row fact table with 0.1% of the rows changed per
 * tick; then a short end-to-end run on the local stack for the latency with Kafka. Settings: see {@link Config}.
 * Exits 0 when every stream table equalled its materialized view, 1 otherwise.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        // slf4j-simple: Kafka's config dumps and PostgreSQL's server log at INFO would bury the progress lines
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Config cfg = Config.fromSystemProperties();
        Report report = new Report(cfg);
        try {
            String url = cfg.pgUrl() != null ? cfg.pgUrl() : embeddedDatabase(cfg);
            Log.step("PostgreSQL at %s", dev.trickle.core.pg.PgRedaction.redact(url));
            new IncrementalBench(cfg, report, url).run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            report.failure = e.toString();
        }
        if (cfg.e2e()) {
            try {
                report.e2e = EndToEnd.run(cfg);
            } catch (Exception | Error e) {
                e.printStackTrace();
                report.e2eFailure = e.toString();
            }
        }
        report.totalSeconds = (System.nanoTime() - t0) / 1e9;
        report.machine.put("load average at the end", Report.loadAverage());
        report.write(cfg.out());
        System.out.println(report.markdown());
        Log.step("results written to %s", cfg.out().toAbsolutePath());
        System.exit(report.verified() ? 0 : 1);
    }

    /**
     * A UTF-8 database with C collation on an embedded PostgreSQL 15 (zonky) started for this run: PostgreSQL's
     * defaults (fsync, synchronous_commit and full_page_writes on, which zonky turns off: commits cost what they cost
     * in production) except wal_level=logical
     * (what Trickle's deployments run with; it makes REFRESH log its whole result) and shared_buffers
     * ({@code -Dbench.pg.sharedBuffers}, default 1GB, so that the working set of about 0.5 GB is cached as on a
     * tuned server). Stopped at JVM exit.
     */
    private static String embeddedDatabase(Config cfg) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                // zonky starts the server with -F (fsync off) and synchronous_commit off: put PostgreSQL's defaults back
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("wal_level", "logical")
                .setServerConfig("shared_buffers", cfg.pgSharedBuffers())
                .setServerConfig("max_connections", "50")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (IOException ignored) {
                // the JVM is going away
            }
        }, "bench-pg-stop"));
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE trickle_bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        return pg.getJdbcUrl("postgres", "trickle_bench");
    }
}
