package dev.trickle.source;

import dev.trickle.core.metrics.Gauges;
import dev.trickle.core.metrics.TrickleMetric;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source task's metrics (see {@link TrickleMetric}): the ticks it takes, and per source the rows waiting in
 * its change buffer, counted on a session and a thread of their own every {@link #REFRESH_MS} (neither the count's
 * time nor a failure of it may hold up or fail a tick). The count reads no whole buffer: a buffer's rows are
 * PostgreSQL's statistics' live tuples ({@code pg_stat_user_tables.n_live_tup}: every committed insert and delete
 * counts, reported within seconds), and the rows no tick has taken yet are counted exactly through the buffer's
 * {@code __pgt_xid} index from the newest tick's xmin on (about an interval's rows while ticks go on). Until session
 * 13 it was {@code pgtrickle.change_buffer_status()}, a scan of every buffer each time (1.4-1.9 ms of PostgreSQL's
 * CPU per 1,000 row changes under flat-out writers, docs/benchmarks.md).
 */
final class SourceMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceMetrics.class);
    static final long REFRESH_MS = 2_000;

    /** Each captured source whose buffer exists, the buffer, and its live rows as the statistics count them. */
    private static final String SOURCES = "SELECT format('%I.%I', s.source_schema, s.source_name), s.buffer_table, "
            + "coalesce(pg_stat_get_live_tuples(b.oid), 0) FROM pgtrickle.pgt_sources s "
            + "CROSS JOIN LATERAL (SELECT to_regclass(format('pgtrickle_changes.%I', s.buffer_table)) AS oid) b "
            + "WHERE b.oid IS NOT NULL";

    private final Gauges gauges;
    private final SourceConfig config;
    private final Map<String, Buffer> buffers = new HashMap<>();
    private volatile long lastTick = -1;
    private volatile long lastTickMillis = -1;
    private volatile long tickRows;
    private volatile long ticks;
    private volatile int snapshotsHeld;
    /** Counts the buffers; null without metrics. */
    private final ScheduledExecutorService counter;
    /** The counting thread's own. */
    private Connection session;

    private static final class Buffer {
        volatile long rows;
        volatile long awaiting;
    }

    SourceMetrics(Gauges gauges, SourceConfig config) {
        this.gauges = gauges;
        this.config = config;
        gauges.add(TrickleMetric.SOURCE_LAST_TICK, null, () -> lastTick);
        gauges.add(TrickleMetric.SOURCE_LAST_TICK_AGE, null, () -> ageSeconds());
        gauges.add(TrickleMetric.SOURCE_TICK_ROWS, null, () -> tickRows);
        gauges.add(TrickleMetric.SOURCE_TICKS_TOTAL, null, () -> ticks);
        gauges.add(TrickleMetric.SOURCE_SNAPSHOTS_HELD, null, () -> snapshotsHeld);
        if (gauges == Gauges.NONE) {
            counter = null;
        } else {
            counter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "trickle-source-metrics");
                t.setDaemon(true);
                return t;
            });
            counter.scheduleWithFixedDelay(this::refresh, 0, REFRESH_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** A tick's records are all handed out and it is recorded. */
    void tickTaken(long tick, long tickMillis, long changeRows) {
        if (tick > lastTick) {
            lastTick = tick;
            lastTickMillis = tickMillis;
        }
        tickRows = changeRows;
        ticks++;
    }

    /** Snapshots of coming ticks held ahead now (the poll thread says so after every poll). */
    void snapshotsHeld(int held) {
        snapshotsHeld = held;
    }

    private double ageSeconds() {
        long at = lastTickMillis;
        return at < 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - at) / 1000.0;
    }

    /** Counts the buffers (on the counting thread). */
    private void refresh() {
        try {
            if (session == null) {
                session = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "metrics");
                try (Statement s = session.createStatement()) {
                    s.execute("SET statement_timeout = '5s'");
                }
            }
            count();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Could not count the change buffers for the metrics ({}); trying again later", e.getMessage());
            closeSession();
        }
    }

    private void count() throws SQLException {
        Set<String> seen = new HashSet<>();
        String snapshot = lastTickSnapshot();
        Map<String, String> bufferOf = new HashMap<>();
        try (Statement s = session.createStatement(); ResultSet rs = s.executeQuery(SOURCES)) {
            while (rs.next()) {
                String source = TrickleMetric.label(rs.getString(1));
                seen.add(source);
                bufferOf.put(source, rs.getString(2));
                buffers.computeIfAbsent(source, this::register).rows = rs.getLong(3);
            }
        }
        for (Map.Entry<String, String> e : bufferOf.entrySet()) {
            try {
                buffers.get(e.getKey()).awaiting = awaiting(e.getValue(), snapshot);
            } catch (SQLException ex) {
                if (!"42P01".equals(ex.getSQLState())) {
                    throw ex;
                }
                // dropped meanwhile with its stream tables: gone from the next count
            }
        }
        buffers.keySet().removeIf(source -> {
            boolean gone = !seen.contains(source);
            if (gone) {
                gauges.remove(source);
            }
            return gone;
        });
    }

    /** The newest recorded tick's snapshot; null before the first. */
    private String lastTickSnapshot() throws SQLException {
        try (Statement s = session.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT snapshot::text FROM pgtrickle.pgt_ticks ORDER BY tick_id DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * Committed rows of {@code buffer} that the tick of {@code snapshot} did not take: all are at or past its xmin
     * (earlier ones it sees), so the index on {@code __pgt_xid} reads only those; every row before the first tick.
     */
    private long awaiting(String buffer, String snapshot) throws SQLException {
        String table = dev.trickle.core.pg.Sql.qualified("pgtrickle_changes", buffer);
        try (PreparedStatement ps = session.prepareStatement(snapshot == null ? "SELECT count(*) FROM " + table
                : "SELECT count(*) FROM " + table + " WHERE __pgt_xid >= pg_snapshot_xmin(?::pg_snapshot) "
                + "AND NOT pg_visible_in_snapshot(__pgt_xid, ?::pg_snapshot)")) {
            if (snapshot != null) {
                ps.setString(1, snapshot);
                ps.setString(2, snapshot);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private Buffer register(String source) {
        Buffer b = new Buffer();
        gauges.add(TrickleMetric.SOURCE_BUFFER_ROWS, source, () -> b.rows);
        gauges.add(TrickleMetric.SOURCE_AWAITING_ROWS, source, () -> b.awaiting);
        gauges.add(TrickleMetric.SOURCE_CAPTURE_LAG, source, () -> b.awaiting == 0 ? 0.0 : ageSeconds());
        return b;
    }

    private void closeSession() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException e) {
                LOG.debug("Closing the metrics session failed", e);
            }
            session = null;
        }
    }

    @Override
    public void close() {
        if (counter != null) {
            counter.shutdownNow();
            try {
                // a count under way ends within its statement_timeout
                counter.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeSession();
        gauges.close();
    }
}
