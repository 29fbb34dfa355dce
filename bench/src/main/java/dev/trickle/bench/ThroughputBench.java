package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The throughput benchmark's tables, stream tables and measurements on a running local stack: a 200,000-row
 * {@code orders} table and its {@code customers}, captured by a join + aggregate and a filter stream table, and an
 * uncaptured copy of both for PostgreSQL's own rate; with WAL capture asked for, a third copy captured from the WAL
 * with its own two stream tables ({@link ThroughputPipeline}).
 */
final class ThroughputBench {
    private final ThroughputConfig cfg;
    private final LocalStack stack;

    ThroughputBench(ThroughputConfig cfg, LocalStack stack) {
        this.cfg = cfg;
        this.stack = stack;
    }

    /**
     * Creates the plain tables and each pipeline's captured copy with the same rows, and each pipeline's stream tables
     * in its capture mode, and waits for the fills.
     */
    void setUp(Connection c) throws Exception {
        List<String> prefixes = new ArrayList<>(List.of("plain_"));
        cfg.pipelines().forEach(p -> prefixes.add(p.prefix()));
        try (Statement s = c.createStatement()) {
            for (String prefix : prefixes) {
                s.execute("CREATE TABLE " + prefix + "customers (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL, "
                        + "segment text NOT NULL)");
                s.execute("INSERT INTO " + prefix + "customers SELECT g, 'customer ' || g, 'region-' || (g % 25), "
                        + "(ARRAY['retail', 'wholesale', 'online', 'partner', 'public'])[1 + g % 5] "
                        + "FROM generate_series(1, " + cfg.customers() + ") g");
                // ids from a sequence the writers name, not a column default: PgJDBC describes a column whose default
                // is nextval() as "bigserial", and the source connector's shape check then took the filter's id
                // column for a changed type (int8 in the stream table) and put the stream table in ERROR
                s.execute("CREATE TABLE " + prefix + "orders (id bigint PRIMARY KEY, customer_id int NOT NULL, "
                        + "amount numeric(10,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE SEQUENCE " + prefix + "orders_ids START " + (cfg.orders() + 1));
                s.execute("INSERT INTO " + prefix + "orders (id, customer_id, amount, status, created_at) SELECT g, 1 + g % "
                        + cfg.customers() + ", (g % 9973) / 100.0, CASE WHEN g % 10 = 0 THEN 'paid' ELSE 'new' END, "
                        + "timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, "
                        + cfg.orders() + ") g");
            }
            s.execute("VACUUM ANALYZE");
            for (ThroughputPipeline p : cfg.pipelines()) {
                for (Map.Entry<String, String> q : p.queries().entrySet()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT pgtrickle.create_stream_table(?, ?, cdc_mode => ?)")) {
                        ps.setString(1, q.getKey());
                        ps.setString(2, q.getValue());
                        ps.setString(3, p.cdc());
                        ps.execute();
                    }
                }
            }
        }
        int streamTables = 2 * cfg.pipelines().size();
        await(c, "SELECT count(*) = " + streamTables + " FROM pgtrickle.pgt_status() WHERE status = 'ACTIVE'",
                "all " + streamTables + " stream tables filled (ACTIVE)", 600);
        awaitIdle(c);
    }

    /** Waits until every stream table applied a tick taken after this call: nothing is left from before. */
    void awaitIdle(Connection c) throws Exception {
        long target = Long.parseLong(one(c, "SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks")) + 2;
        await(c, "SELECT min(last_tick) >= " + target + " FROM pgtrickle.pgt_stream_tables", "tick " + target
                + " applied by every stream table", cfg.catchUpTimeoutSeconds());
    }

    /** The first tick whose snapshot sees every xid of {@code xids} (a PostgreSQL array literal); waits for it. */
    long tickSeeing(Connection c, String xids) throws Exception {
        String sql = "SELECT min(t.tick_id) FROM pgtrickle.pgt_ticks t WHERE (SELECT bool_and(pg_visible_in_snapshot(x, "
                + "t.snapshot)) FROM unnest('" + xids + "'::xid8[]) x)";
        await(c, "SELECT (" + sql + ") IS NOT NULL", "a tick that sees the last commits", cfg.catchUpTimeoutSeconds());
        return Long.parseLong(one(c, sql));
    }

    /** Polls until both stream tables of {@code p} have applied {@code tick}; returns System.nanoTime() at that moment. */
    long awaitApplied(Connection c, ThroughputPipeline p, long tick) throws Exception {
        String condition = "SELECT min(last_tick) >= " + tick + " FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ("
                + p.inList() + ")";
        long deadline = System.nanoTime() + cfg.catchUpTimeoutSeconds() * 1_000_000_000L;
        long nextCheck = 0;
        while (!"t".equals(one(c, condition))) {
            long now = System.nanoTime();
            if (now - nextCheck > 0) {
                requireHealthy(c);
                nextCheck = now + 5_000_000_000L;
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("the stream tables did not apply tick " + tick + " within "
                        + cfg.catchUpTimeoutSeconds() + " s (bench.throughput.catchUpTimeoutSeconds): " + status(c));
            }
            Thread.sleep(20); // the catch-up time's resolution; the query is one index lookup
        }
        return System.nanoTime();
    }

    /** Age of each stream table's last applied tick at this moment (ms): how far behind it is. */
    Map<String, Double> lagNow(Connection c, ThroughputPipeline p) throws SQLException {
        Map<String, Double> lag = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT s.pgt_name, extract(epoch FROM "
                + "clock_timestamp() - t.created_at) * 1000 FROM pgtrickle.pgt_stream_tables s JOIN pgtrickle.pgt_ticks t "
                + "ON t.tick_id = s.last_tick WHERE s.pgt_name IN (" + p.inList() + ") ORDER BY 1")) {
            while (rs.next()) {
                lag.put(rs.getString(1), rs.getDouble(2));
            }
        }
        return lag;
    }

    /** Intervals (ms) between consecutive ticks taken within [fromMillis, toMillis] (epoch ms). */
    static List<Double> tickIntervals(Connection c, long fromMillis, long toMillis) throws SQLException {
        List<Double> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM created_at - lag(created_at) OVER "
                + "(ORDER BY tick_id)) * 1000 FROM pgtrickle.pgt_ticks WHERE created_at BETWEEN to_timestamp(? / 1000.0) "
                + "AND to_timestamp(? / 1000.0) ORDER BY tick_id")) {
            ps.setLong(1, fromMillis);
            ps.setLong(2, toMillis);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getObject(1) != null) {
                        out.add(rs.getDouble(1));
                    }
                }
            }
        }
        return out;
    }

    /** The most change rows one tick taken between the two times carried (0 when none was taken). */
    static long largestTick(Connection c, long fromMillis, long toMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(rows_captured), 0) FROM pgtrickle.pgt_ticks "
                + "WHERE created_at BETWEEN to_timestamp(? / 1000.0) AND to_timestamp(? / 1000.0)")) {
            ps.setLong(1, fromMillis);
            ps.setLong(2, toMillis);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Commit → visible per stream table (ms): for each commit, the first tick whose snapshot sees its xid, then the
     * commit time of the sink's transaction that applied that tick to the stream table (refresh history).
     */
    Map<String, List<Double>> freshness(Connection c, ThroughputPipeline p, List<Writers.Commit> commits)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE IF NOT EXISTS bench_commits (xid xid8, committed_ms double precision)");
            s.execute("TRUNCATE bench_commits");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_commits VALUES (?::xid8, ?)")) {
            for (Writers.Commit cm : commits) {
                ps.setString(1, cm.xid());
                ps.setDouble(2, cm.committedMillis());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Map<String, List<Double>> out = new LinkedHashMap<>();
        p.queries().keySet().forEach(k -> out.put(k, new ArrayList<>()));
        String sql = "WITH c AS (SELECT b.committed_ms, (SELECT min(t.tick_id) FROM pgtrickle.pgt_ticks t "
                + "WHERE pg_visible_in_snapshot(b.xid, t.snapshot)) AS tick FROM bench_commits b) "
                + "SELECT s.pgt_name, extract(epoch FROM (SELECT min(h.applied_at) FROM pgtrickle.pgt_refresh_history h "
                + "WHERE h.pgt_id = s.pgt_id AND h.status = 'COMPLETED' AND h.tick_id >= c.tick)) * 1000 - c.committed_ms "
                + "FROM c CROSS JOIN pgtrickle.pgt_stream_tables s WHERE s.pgt_name IN (" + p.inList() + ")";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                if (rs.getObject(2) != null) {
                    out.get(rs.getString(1)).add(rs.getDouble(2));
                }
            }
        }
        return out;
    }

    /** The first stream table of {@code p} that differs from its query (EXCEPT ALL both ways), or null when both are equal. */
    static String firstDifference(Connection c, ThroughputPipeline p) throws SQLException {
        for (Map.Entry<String, String> q : p.queries().entrySet()) {
            String diff = one(c, "SELECT (SELECT count(*) FROM ((TABLE " + q.getKey() + ") EXCEPT ALL (" + q.getValue()
                    + ")) a) + (SELECT count(*) FROM ((" + q.getValue() + ") EXCEPT ALL (TABLE " + q.getKey() + ")) b)");
            if (!"0".equals(diff)) {
                return q.getKey() + " differs from its query in " + diff + " row(s)";
            }
        }
        return null;
    }


    /** A failed connector task or a stream table in ERROR does not recover by itself: fail the run at once. */
    private void requireHealthy(Connection c) throws SQLException {
        ConnectTasks.requireNoneFailed(stack);
        String errors = one(c, "SELECT string_agg(name || ': ' || coalesce(last_error, ''), '; ') FROM pgtrickle.pgt_status() "
                + "WHERE status = 'ERROR'");
        if (errors != null) {
            throw new IllegalStateException("stream table(s) in ERROR: " + errors);
        }
    }

    private static String status(Connection c) throws SQLException {
        return one(c, "SELECT string_agg(name || ' ' || status || ' tick ' || coalesce(last_tick::text, '-') || ' ' "
                + "|| coalesce(last_error, ''), '; ') FROM pgtrickle.pgt_status()");
    }

    private void await(Connection c, String condition, String what, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        for (int i = 0; !"t".equals(one(c, condition)); i++) {
            if (i % 50 == 0) {
                requireHealthy(c);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("throughput benchmark: timed out after " + seconds + " s waiting for " + what
                        + ": " + status(c));
            }
            Thread.sleep(100);
        }
    }

    static String one(Connection c, String sql) throws SQLException {
        return IncrementalBench.one(c, sql);
    }
}
