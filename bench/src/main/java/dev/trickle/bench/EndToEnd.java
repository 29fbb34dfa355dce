package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The latency a user sees on the real stack (PostgreSQL, Kafka broker, Connect with both connectors, streams
 * app, all from {@link LocalStack}), at small scale: from the commit of an UPDATE to the stream table showing
 * it, for a filter and for a grouped aggregate over a join; and, from the catalog, the tick interval and the
 * time from a tick's row to the sink's commit of that tick (Kafka transport and the components' work).
 */
final class EndToEnd {
    private static final long DEADLINE_MS = 120_000;

    /** What was measured. Times in milliseconds. */
    static final class Result {
        long tickIntervalMs;
        int rows;
        double startSeconds;
        final List<Double> filterVisible = new ArrayList<>();
        final List<Double> aggVisible = new ArrayList<>();
        final List<Double> tickIntervals = new ArrayList<>();
        final List<Double> filterTickToApplied = new ArrayList<>();
        final List<Double> aggTickToApplied = new ArrayList<>();
        boolean filterEqual;
        boolean aggEqual;
    }

    private EndToEnd() {
    }

    static Result run(Config cfg) throws Exception {
        Result res = new Result();
        res.tickIntervalMs = cfg.e2eTickMs();
        res.rows = cfg.e2eRows();
        Path dir = cfg.workDir().toAbsolutePath().resolve("e2e-" + System.currentTimeMillis());
        long s0 = System.nanoTime();
        Log.step("end to end: starting the local stack in %s", dir);
        try (LocalStack stack = LocalStack.builder()
                .workDir(dir)
                .sourceConfig("tick.interval.ms", String.valueOf(cfg.e2eTickMs()))
                .timeout(Duration.ofSeconds(180))
                .progress(System.err)
                .start();
             Connection c = stack.connect();
             Connection poll = stack.connect()) {
            res.startSeconds = (System.nanoTime() - s0) / 1e9;
            int rows = cfg.e2eRows();
            int customers = Math.max(1, rows / 10);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE e2e_customers (id int PRIMARY KEY, nation text NOT NULL)");
                s.execute("INSERT INTO e2e_customers SELECT g, 'nation-' || (g % 25) FROM generate_series(1, " + customers + ") g");
                s.execute("CREATE TABLE e2e_orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL, "
                        + "status text NOT NULL)");
                s.execute("INSERT INTO e2e_orders SELECT g, 1 + g % " + customers + ", (g % 1000) + 0.5, "
                        + "CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END FROM generate_series(1, " + rows + ") g");
                s.execute("SELECT pgtrickle.create_stream_table('e2e_filter', "
                        + "$$SELECT id, customer_id, amount FROM e2e_orders WHERE status <> 'void'$$)");
                s.execute("SELECT pgtrickle.create_stream_table('e2e_agg', $$SELECT c.nation, count(*) AS n, "
                        + "sum(o.amount) AS total FROM e2e_orders o JOIN e2e_customers c ON c.id = o.customer_id "
                        + "GROUP BY c.nation$$)");
            }
            await(c, "SELECT count(*) = 2 FROM pgtrickle.pgt_status() WHERE status = 'ACTIVE'", "both stream tables ACTIVE");
            long startTick = Long.parseLong(IncrementalBench.one(c, "SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks"));
            await(c, "SELECT min(last_tick) >= " + (startTick + 1) + " FROM pgtrickle.pgt_stream_tables", "a tick after the fill");
            Log.step("end to end: stack up in %.0f s, stream tables filled; %d changes follow", res.startSeconds,
                    cfg.e2eChanges());

            Random random = new Random(cfg.seed());
            for (int i = 0; i < cfg.e2eChanges(); i++) {
                // a random phase against the ticker: commits land anywhere within a tick interval
                Thread.sleep(random.nextInt((int) Math.max(1, cfg.e2eTickMs())));
                int id = 1 + random.nextInt(rows);
                BigDecimal amount = new BigDecimal(2000 + i).add(new BigDecimal("0.25"));
                String nation;
                BigDecimal expectedTotal;
                try (PreparedStatement ps = c.prepareStatement("SELECT c.nation, (SELECT sum(o2.amount) FROM e2e_orders o2 "
                        + "JOIN e2e_customers c2 ON c2.id = o2.customer_id WHERE c2.nation = c.nation) - o.amount "
                        + "FROM e2e_orders o JOIN e2e_customers c ON c.id = o.customer_id WHERE o.id = ?")) {
                    ps.setInt(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        nation = rs.getString(1);
                        expectedTotal = rs.getBigDecimal(2).add(amount);
                    }
                }
                long t0;
                try (PreparedStatement ps = c.prepareStatement("UPDATE e2e_orders SET amount = ? WHERE id = ?")) {
                    ps.setBigDecimal(1, amount);
                    ps.setInt(2, id);
                    ps.executeUpdate();
                    t0 = System.nanoTime(); // auto-commit: the statement has committed when it returns
                }
                double filterMs = -1;
                double aggMs = -1;
                long deadline = System.currentTimeMillis() + DEADLINE_MS;
                try (PreparedStatement f = poll.prepareStatement("SELECT amount FROM e2e_filter WHERE id = ?");
                     PreparedStatement a = poll.prepareStatement("SELECT total FROM e2e_agg WHERE nation = ?")) {
                    f.setInt(1, id);
                    a.setString(1, nation);
                    while (filterMs < 0 || aggMs < 0) {
                        if (System.currentTimeMillis() > deadline) {
                            throw new IllegalStateException("end to end: change " + i + " did not show within "
                                    + DEADLINE_MS / 1000 + " s; logs in " + stack.logDir());
                        }
                        if (filterMs < 0 && amount.compareTo(value(f)) == 0) {
                            filterMs = IncrementalBench.millisSince(t0);
                        }
                        if (aggMs < 0 && expectedTotal.compareTo(value(a)) == 0) {
                            aggMs = IncrementalBench.millisSince(t0);
                        }
                        Thread.sleep(2);
                    }
                }
                res.filterVisible.add(filterMs);
                res.aggVisible.add(aggMs);
            }
            long endTick = Long.parseLong(IncrementalBench.one(c, "SELECT max(tick_id) FROM pgtrickle.pgt_ticks"));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT extract(epoch FROM created_at "
                    + "- lag(created_at) OVER (ORDER BY tick_id)) * 1000 FROM pgtrickle.pgt_ticks WHERE tick_id BETWEEN "
                    + startTick + " AND " + endTick + " ORDER BY tick_id")) {
                while (rs.next()) {
                    if (rs.getObject(1) != null) {
                        res.tickIntervals.add(rs.getDouble(1));
                    }
                }
            }
            res.filterTickToApplied.addAll(tickToApplied(c, "e2e_filter", startTick));
            res.aggTickToApplied.addAll(tickToApplied(c, "e2e_agg", startTick));
            res.filterEqual = equal(c, "e2e_filter", "SELECT id, customer_id, amount FROM e2e_orders WHERE status <> 'void'");
            res.aggEqual = equal(c, "e2e_agg", "SELECT c.nation, count(*) AS n, sum(o.amount) AS total FROM e2e_orders o "
                    + "JOIN e2e_customers c ON c.id = o.customer_id GROUP BY c.nation");
            Log.step("end to end: commit to visible, filter median %.0f ms, aggregate median %.0f ms; equal to queries: %s, %s",
                    Stats.median(res.filterVisible), Stats.median(res.aggVisible), res.filterEqual, res.aggEqual);
        }
        return res;
    }

    private static BigDecimal value(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBigDecimal(1) != null ? rs.getBigDecimal(1) : BigDecimal.valueOf(Long.MIN_VALUE);
        }
    }

    /** Per applied tick with changes: its refresh-history row's time minus its tick row's time. */
    private static List<Double> tickToApplied(Connection c, String name, long afterTick) throws SQLException {
        List<Double> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM h.applied_at - t.created_at) * 1000 "
                + "FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_ticks t ON t.tick_id = h.tick_id "
                + "JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = h.pgt_id "
                + "WHERE s.pgt_name = ? AND NOT h.initial AND h.tick_id > ? ORDER BY h.tick_id")) {
            ps.setString(1, name);
            ps.setLong(2, afterTick);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getDouble(1));
                }
            }
        }
        return out;
    }

    private static boolean equal(Connection c, String table, String query) throws SQLException {
        String diff = IncrementalBench.one(c, "SELECT (SELECT count(*) FROM ((TABLE " + table + ") EXCEPT ALL (" + query
                + ")) a) + (SELECT count(*) FROM ((" + query + ") EXCEPT ALL (TABLE " + table + ")) b)");
        return "0".equals(diff);
    }

    private static void await(Connection c, String condition, String what) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!"t".equals(IncrementalBench.one(c, condition))) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("end to end: timed out waiting for " + what + ": "
                        + IncrementalBench.one(c, "SELECT string_agg(name || ' ' || status || ' ' || coalesce(last_error, ''), '; ') "
                        + "FROM pgtrickle.pgt_status()"));
            }
            Thread.sleep(100);
        }
    }
}
