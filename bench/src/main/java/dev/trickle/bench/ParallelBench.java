package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The sources and stream tables of the parallel refresh benchmark, and one measurement: a bulk change in one
 * transaction, then the time until every stream table concerned has applied the tick that carries it, split
 * into the source connector's, the streams app's and the sink's share.
 */
final class ParallelBench {
    private static final long DEADLINE_MS = 15 * 60_000;
    private static final int FILL_BATCH = 5;

    private final ParallelConfig cfg;
    private final LocalStack stack;
    private final Random random = new Random(20261121);

    /** One measured tick. Times in milliseconds. */
    record Sample(String mode, String scenario, int rep, long tick, double total, double commitToApplied,
                  double source, double engine, double sink, double sinkBusy, long deltaRows, String load,
                  double streamsCpu, double connectCpu, double machineCpu) {
        /** How many of the machine's cores were busy on average from the commit to the last apply. */
        double coresBusy() {
            return commitToApplied <= 0 || machineCpu < 0 ? -1 : machineCpu / commitToApplied;
        }
    }

    ParallelBench(ParallelConfig cfg, LocalStack stack) {
        this.cfg = cfg;
        this.stack = stack;
    }

    static String source(int i) {
        return String.format(Locale.ROOT, "src_%02d", i);
    }

    static String streamTable(int i) {
        return String.format(Locale.ROOT, "st_%02d", i);
    }

    static String dimension(int i) {
        return String.format(Locale.ROOT, "dim_%02d", i);
    }

    /**
     * The stream table over source {@code i}: a grouped aggregate, or (shape {@code join}) a grouped aggregate over
     * the source joined to its dimension, where each changed source row meets {@code fanout} dimension rows, so
     * that the engine's work per change, not the transport's, dominates a tick.
     */
    String query(int i) {
        if (cfg.shape().equals(ParallelConfig.JOIN)) {
            return "SELECT s.g, count(*) AS n, sum(s.v * d.w) AS weighted, sum(s.amount) AS amount, max(d.k) AS max_k FROM "
                    + source(i) + " s JOIN " + dimension(i) + " d ON d.g = s.g GROUP BY s.g";
        }
        return "SELECT g, count(*) AS n, sum(v) AS total, sum(amount) AS amount, avg(amount) AS avg_amount FROM "
                + source(i) + " GROUP BY g";
    }

    /** Creates the sources (rows spread over the groups at random) and their stream tables, and waits for the fills. */
    void setUp(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT setseed(0.5)");
            for (int i = 0; i < cfg.tables(); i++) {
                s.execute("CREATE TABLE " + source(i) + " (id int PRIMARY KEY, g int NOT NULL, v bigint NOT NULL, "
                        + "amount numeric(12,2) NOT NULL)");
                s.execute("INSERT INTO " + source(i) + " SELECT x, floor(random() * " + cfg.groups() + ")::int, x % 1000, "
                        + "(x % 10000) / 100.0 FROM generate_series(1, " + cfg.rows() + ") x");
                s.execute("ANALYZE " + source(i));
                if (cfg.shape().equals(ParallelConfig.JOIN)) {
                    s.execute("CREATE TABLE " + dimension(i) + " (g int NOT NULL, k int NOT NULL, w bigint NOT NULL, "
                            + "PRIMARY KEY (g, k))");
                    s.execute("INSERT INTO " + dimension(i) + " SELECT g, k, (g * 7 + k) % 100 FROM generate_series(0, "
                            + (cfg.groups() - 1) + ") g, generate_series(1, " + cfg.fanout() + ") k");
                    s.execute("ANALYZE " + dimension(i));
                }
            }
            // in batches: the initial fills of a batch travel in one tick, one Kafka transaction of the source connector
            for (int from = 0; from < cfg.tables(); from += FILL_BATCH) {
                int to = Math.min(cfg.tables(), from + FILL_BATCH);
                for (int i = from; i < to; i++) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pgtrickle.create_stream_table(?, ?)")) {
                        ps.setString(1, streamTable(i));
                        ps.setString(2, query(i));
                        ps.execute();
                    }
                }
                await(c, "SELECT count(*) = " + to + " FROM pgtrickle.pgt_status() WHERE status = 'ACTIVE'",
                        "stream tables " + streamTable(from) + " to " + streamTable(to - 1) + " filled (ACTIVE)");
                Log.step("%d of %d stream tables filled", to, cfg.tables());
            }
        }
        MarkerTimes.useAppendTime(stack.bootstrapServers(), topics(cfg.tables(), "changes"));
        MarkerTimes.useAppendTime(stack.bootstrapServers(), topics(cfg.tables(), "delta"));
    }

    /** The change topics ({@code kind} "changes") or delta topics ("delta") of the first {@code count} tables. */
    private List<String> topics(int count, String kind) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(stack.topicPrefix() + "." + kind + ".public." + (kind.equals("delta") ? streamTable(i) : source(i)));
        }
        return out;
    }

    /** Waits until every stream table applied a tick taken after this call (nothing left from before). */
    void awaitIdle(Connection c) throws Exception {
        long target = currentTick(c) + 2;
        await(c, "SELECT min(last_tick) >= " + target + " FROM pgtrickle.pgt_stream_tables", "tick " + target + " everywhere");
    }

    /**
     * One bulk transaction over the sources of stream tables {@code 0 .. count-1}, and the time until all of them
     * applied its tick.
     */
    Sample measure(Connection c, String mode, String scenario, int rep, int count) throws Exception {
        return measure(c, mode, scenario, rep, count, cfg.rows());
    }

    /** As above, changing only rows with {@code id <= maxId} (a smaller change, to warm up after a restart). */
    Sample measure(Connection c, String mode, String scenario, int rep, int count, int maxId) throws Exception {
        awaitIdle(c);
        String load = Report.loadAverage().replace(" (1 / 5 / 15 min)", "");
        long streamsPid = stack.streamsApp().pid();
        long connectPid = stack.connectWorker().process().pid();
        double streamsCpu0 = ProcessCpu.millis(streamsPid);
        double connectCpu0 = ProcessCpu.millis(connectPid);
        double machineCpu0 = ProcessCpu.machineBusyMillis();
        long xid;
        long committed;
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            int r = random.nextInt(cfg.modulus());
            for (int i = 0; i < count; i++) {
                s.execute("UPDATE " + source(i) + " SET v = v + 1, amount = amount + 1.25 WHERE id % " + cfg.modulus()
                        + " = " + r + " AND id <= " + maxId);
            }
            xid = Long.parseLong(one(c, "SELECT pg_current_xact_id()::text"));
            c.commit();
            committed = System.currentTimeMillis();
        } finally {
            c.setAutoCommit(true);
        }
        await(c, "SELECT EXISTS (SELECT 1 FROM pgtrickle.pgt_ticks WHERE pg_visible_in_snapshot('" + xid
                + "'::xid8, snapshot))", "the tick of the bulk change");
        long tick = Long.parseLong(one(c, "SELECT min(tick_id) FROM pgtrickle.pgt_ticks WHERE pg_visible_in_snapshot('"
                + xid + "'::xid8, snapshot)"));
        String names = names(count);
        await(c, "SELECT count(*) = " + count + " FROM pgtrickle.pgt_stream_tables WHERE last_tick >= " + tick
                + " AND pgt_name IN (" + names + ")", "every stream table to apply tick " + tick);
        double streamsCpu = ProcessCpu.millis(streamsPid) - streamsCpu0;
        double connectCpu = ProcessCpu.millis(connectPid) - connectCpu0;
        double machineCpu = ProcessCpu.machineBusyMillis() - machineCpu0;
        double tickAt = Double.parseDouble(one(c, "SELECT extract(epoch FROM created_at) * 1000 FROM pgtrickle.pgt_ticks "
                + "WHERE tick_id = " + tick));
        double[] applied = applied(c, tick, names);
        long from = (long) tickAt - 5_000;
        double changeEnd = max(MarkerTimes.of(stack.bootstrapServers(), topics(count, "changes"), tick, from), count,
                "change");
        double deltaEnd = max(MarkerTimes.of(stack.bootstrapServers(), topics(count, "delta"), tick, from), count,
                "delta");
        Sample s = new Sample(mode, scenario, rep, tick, applied[0] - tickAt, applied[0] - committed,
                changeEnd - tickAt, deltaEnd - changeEnd, applied[0] - deltaEnd, applied[1], (long) applied[2], load,
                streamsCpu, connectCpu, machineCpu);
        Log.step("%-6s %-3s rep %d: tick %d applied by %d stream table(s) %.0f ms after the tick (source %.0f, engine "
                + "%.0f, sink %.0f ms; sink busy %.0f ms, %d delta rows; CPU streams app %.0f ms, Connect %.0f ms, machine "
                + "%.0f ms = %.2f cores busy; load %s)",
                scenario, mode, rep, tick, count, s.total(), s.source(), s.engine(), s.sink(), s.sinkBusy(), s.deltaRows(),
                streamsCpu, connectCpu, machineCpu, s.coresBusy(), load);
        return s;
    }

    /** The last commit time (epoch ms) of the tick over the named stream tables, the sum of their apply times and rows. */
    private static double[] applied(Connection c, long tick, String names) throws SQLException {
        String sql = "SELECT extract(epoch FROM max(h.applied_at)) * 1000, sum(h.duration_ms), "
                + "sum(h.rows_inserted + h.rows_deleted) FROM pgtrickle.pgt_refresh_history h "
                + "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name IN (" + names + ") "
                + "AND h.status = 'COMPLETED' AND h.tick_id = (SELECT min(h2.tick_id) FROM pgtrickle.pgt_refresh_history h2 "
                + "WHERE h2.pgt_id = h.pgt_id AND h2.status = 'COMPLETED' AND h2.tick_id >= " + tick + ")";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3)};
        }
    }

    private static double max(Map<String, Long> times, int expected, String what) {
        if (times.size() < expected) {
            Log.step("warning: found the %s end markers of only %d of %d topics", what, times.size(), expected);
        }
        return times.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Whether each stream table equals its query (EXCEPT ALL both ways): the first that differs, or null. */
    String firstDifference(Connection c) throws SQLException {
        for (int i = 0; i < cfg.tables(); i++) {
            String q = query(i);
            String diff = one(c, "SELECT (SELECT count(*) FROM ((TABLE " + streamTable(i) + ") EXCEPT ALL (" + q
                    + ")) a) + (SELECT count(*) FROM ((" + q + ") EXCEPT ALL (TABLE " + streamTable(i) + ")) b)");
            if (!"0".equals(diff)) {
                return streamTable(i) + " differs from its query in " + diff + " row(s)";
            }
        }
        return null;
    }

    private String names(int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(i > 0 ? ", " : "").append('\'').append(streamTable(i)).append('\'');
        }
        return sb.toString();
    }

    static long currentTick(Connection c) throws SQLException {
        return Long.parseLong(one(c, "SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks"));
    }

    static String one(Connection c, String sql) throws SQLException {
        return IncrementalBench.one(c, sql);
    }

    void await(Connection c, String condition, String what) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        long nextCheck = 0;
        while (!"t".equals(one(c, condition))) {
            if (System.currentTimeMillis() > nextCheck) {
                ConnectTasks.requireNoneFailed(stack);
                nextCheck = System.currentTimeMillis() + 5_000;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("parallel refresh benchmark: timed out waiting for " + what + ": "
                        + one(c, "SELECT string_agg(name || ' ' || status || ' tick ' || coalesce(last_tick::text, '-') "
                        + "|| ' ' || coalesce(last_error, ''), '; ') FROM pgtrickle.pgt_status()"));
            }
            Thread.sleep(100); // the times come from the catalog's timestamps; faster polling only costs CPU
        }
    }
}
