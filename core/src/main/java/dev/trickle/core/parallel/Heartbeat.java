package dev.trickle.core.parallel;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A component's heartbeat row in {@code pgtrickle.pgt_workers}, which worker_pool_status(), parallel_job_status()
 * and health_check() read: one upsert, sent at most once per {@link #INTERVAL_MS} (it is not per tick).
 */
public final class Heartbeat {
    public static final long INTERVAL_MS = 1_000;

    /** What a component reports. {@code jobsJson}: a JSON array of its queued and running units. */
    public record Report(String mode, int maxWorkers, int perDbCap, int active, int queued, String jobsJson) {
    }

    private final String component;
    private final String workerId;
    private long lastBeat = Long.MIN_VALUE;

    public Heartbeat(String component, String workerId) {
        this.component = component;
        this.workerId = workerId;
    }

    public String workerId() {
        return workerId;
    }

    /** Whether a heartbeat is due (at most one per interval). */
    public boolean due() {
        return lastBeat == Long.MIN_VALUE || System.nanoTime() - lastBeat >= INTERVAL_MS * 1_000_000;
    }

    /** Writes the heartbeat (autocommit connection expected). */
    public void beat(Connection c, Report r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pgtrickle._heartbeat(?, ?, ?, ?, ?, ?, ?, ?::jsonb)")) {
            ps.setString(1, component);
            ps.setString(2, workerId);
            ps.setString(3, r.mode());
            ps.setInt(4, r.maxWorkers());
            ps.setInt(5, r.perDbCap());
            ps.setInt(6, r.active());
            ps.setInt(7, r.queued());
            ps.setString(8, r.jobsJson() == null ? "[]" : r.jobsJson());
            ps.execute();
        }
        lastBeat = System.nanoTime();
    }
}
