package dev.trickle.sink;

import dev.trickle.core.parallel.Heartbeat;
import dev.trickle.core.parallel.RefreshPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once a second, on a connection of its own (so that it also beats while a long tick is being applied): the
 * task's heartbeat with its queued and running units, and a look for dropped stream tables (see
 * {@link DroppedStreamTables}); every few seconds, the plan of execution units for the scheduler (which notices
 * dropped stream tables and new diamonds that way).
 */
final class SinkHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkHeartbeat.class);
    /** The plan is read again this often (the scheduler reads it at once when a stream table unknown to it shows up). */
    private static final long PLAN_EVERY_MS = 5_000;

    private final SinkConfig config;
    private final Heartbeat heartbeat;
    private final JobBoard board;
    private final ScheduledExecutorService timer;
    private final Consumer<RefreshPlan> plans;
    private final DroppedStreamTables dropped;
    private final ApplySchedule schedule;
    private long planAt;
    private Connection conn;
    private boolean warned;
    private boolean warnedSchedules;

    SinkHeartbeat(SinkConfig config, String workerId, JobBoard board, Consumer<RefreshPlan> plans,
                  DroppedStreamTables dropped, ApplySchedule schedule) {
        this.config = config;
        this.schedule = schedule;
        this.plans = plans;
        this.dropped = dropped;
        this.heartbeat = new Heartbeat("sink", workerId);
        this.board = board;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "trickle-sink-heartbeat");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::beat, 0, Heartbeat.INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            if (conn == null || conn.isClosed()) {
                conn = config.connect();
            }
            long now = System.currentTimeMillis();
            if (now - planAt >= PLAN_EVERY_MS) {
                planAt = now;
                plans.accept(RefreshPlan.load(conn));
            }
            heartbeat.beat(conn, new Heartbeat.Report(config.parallelMode().configName(), config.taskWorkers(),
                    config.maxConcurrent(), board.running(), board.queued(), board.json()));
            dropped.look(conn);
            readSchedules();
            warned = false;
        } catch (SQLException | RuntimeException e) {
            if (!warned) {
                LOG.warn("Could not write the sink's heartbeat to {} ({}); retrying every second", config.redactedUrl(),
                        e.getMessage());
                warned = true;
            }
            closeConnection();
        }
    }

    /** Every beat: a new schedule or a suspension takes effect within a second. */
    private void readSchedules() {
        try {
            schedule.offer(ApplySchedule.load(conn));
            warnedSchedules = false;
        } catch (SQLException e) {
            if (!warnedSchedules) {
                LOG.warn("Could not read the stream tables' schedules from {} ({}); the last ones read stay in force, "
                        + "retrying every second", config.redactedUrl(), e.getMessage());
                warnedSchedules = true;
            }
        }
    }

    private void closeConnection() {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // broken already
            }
            conn = null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
