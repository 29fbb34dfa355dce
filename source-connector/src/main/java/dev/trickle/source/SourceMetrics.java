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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source task's metrics (see {@link TrickleMetric}): the ticks it takes, and per source the rows waiting in
 * its change buffer. The buffers are counted by {@code pgtrickle.change_buffer_status()} on a session and a thread
 * of their own, every {@link #REFRESH_MS}: the count costs a scan of each buffer (seconds, on a loaded server with
 * large buffers), and neither its time nor a failure of it may hold up or fail a tick. It used to run on the poll
 * thread between ticks, where it could make the next tick late.
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
