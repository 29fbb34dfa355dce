package dev.trickle.source;

import dev.trickle.core.metrics.Gauges;
import dev.trickle.core.metrics.TrickleMetric;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source task's metrics (see {@link TrickleMetric}): the ticks it takes, and per source the rows waiting in
 * its change buffer. The buffers are counted by {@code pgtrickle.change_buffer_status()} on a session of its own,
 * between ticks and at most every {@link #REFRESH_MS}: the count costs a scan of each buffer, and a failure of it
 * must never hold up or fail a tick.
 */
final class SourceMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceMetrics.class);
    static final long REFRESH_MS = 2_000;

    private final Gauges gauges;
    private final SourceConfig config;
    private final Map<String, Buffer> buffers = new HashMap<>();
    private volatile long lastTick = -1;
    private volatile long lastTickMillis = -1;
    private volatile long tickRows;
    private volatile long ticks;
    private volatile int snapshotsHeld;
    private Connection session;
    private long refreshedAt;

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

    /** Counts the buffers again if the last count is older than {@link #REFRESH_MS}. */
    void refreshIfDue() {
        long now = System.nanoTime();
        if (gauges == Gauges.NONE || refreshedAt != 0 && now - refreshedAt < REFRESH_MS * 1_000_000L) {
            return;
        }
        refreshedAt = now;
        try {
            if (session == null) {
                session = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "metrics");
                try (Statement s = session.createStatement()) {
                    s.execute("SET statement_timeout = '5s'");
                }
            }
            count();
        } catch (SQLException e) {
            LOG.debug("Could not count the change buffers for the metrics ({}); trying again later", e.getMessage());
            closeSession();
        }
    }

    private void count() throws SQLException {
        Set<String> seen = new HashSet<>();
        try (Statement s = session.createStatement();
             ResultSet rs = s.executeQuery("SELECT source, pending_rows, awaiting_tick "
                     + "FROM pgtrickle.change_buffer_status()")) {
            while (rs.next()) {
                String source = TrickleMetric.label(rs.getString(1));
                seen.add(source);
                Buffer b = buffers.computeIfAbsent(source, this::register);
                b.rows = rs.getLong(2);
                b.awaiting = rs.getLong(3);
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
        closeSession();
        gauges.close();
    }
}
