package dev.trickle.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The catalog rows written in the transaction that applies a batch of ticks, with its data: the progress row
 * (the last tick, which filters out redeliveries), a refresh-history row naming the ticks it covers, and the
 * stream table's last_tick, data_timestamp and status.
 */
final class TickLedger {
    private TickLedger() {
    }

    /** What an applied batch did, for its history row. */
    record Done(JobInfo job, long inserted, long deleted, double millis, long startedAt) {
    }

    /**
     * One statement (one round trip): the progress row, the history row unless the batch is idle (a history
     * row per idle tick would grow the history by one row per stream table per second and say nothing), and
     * the catalog's view. INITIALIZING becomes ACTIVE with the first tick; ERROR only with a re-initialisation
     * (the only tick that makes the content right again); SUSPENDED and PAUSED are the user's to change.
     */
    static void record(Connection conn, StreamTableShape st, TickBatch batch, Done d) throws SQLException {
        String sql = "WITH p AS (INSERT INTO pgtrickle.pgt_sink_progress (pgt_id, last_tick, updated_at) "
                + "VALUES (?, ?, now()) ON CONFLICT (pgt_id) DO UPDATE SET last_tick = EXCLUDED.last_tick, "
                + "updated_at = now()), "
                + "h AS (INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, first_tick_id, tick_id, initial, "
                + "rows_inserted, rows_deleted, duration_ms, attempt, unit_key, unit_kind, worker, enqueued_at, "
                + "started_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, pg_catalog.to_timestamp(? / 1000.0), "
                + "pg_catalog.to_timestamp(? / 1000.0) WHERE ?) "
                + "UPDATE pgtrickle.pgt_stream_tables SET last_tick = ?, "
                + "data_timestamp = pg_catalog.to_timestamp(? / 1000.0), "
                + "status = CASE WHEN status = 'INITIALIZING' OR (status = 'ERROR' AND ?) THEN 'ACTIVE' ELSE status END, "
                // the engine may have stopped the stream table meanwhile: keep its reason
                + "last_error = CASE WHEN status = 'ERROR' AND NOT ? THEN last_error END, "
                // a success ends a run of failures
                + "consecutive_failures = 0 WHERE pgt_id = ?";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 0;
            ps.setLong(++i, st.id());
            ps.setLong(++i, batch.lastTick());
            ps.setLong(++i, st.id());
            ps.setLong(++i, batch.firstTick());
            ps.setLong(++i, batch.lastTick());
            ps.setBoolean(++i, batch.initial());
            ps.setLong(++i, d.inserted());
            ps.setLong(++i, d.deleted());
            ps.setDouble(++i, d.millis());
            ps.setInt(++i, st.failures() + 1);
            setJob(ps, ++i, d.job());
            i += 2;
            ps.setLong(++i, batch.queuedAt());
            ps.setLong(++i, d.startedAt());
            ps.setBoolean(++i, batch.initial() || d.inserted() != 0 || d.deleted() != 0);
            ps.setLong(++i, batch.lastTick());
            ps.setLong(++i, batch.tickMillis());
            ps.setBoolean(++i, batch.initial());
            ps.setBoolean(++i, batch.initial());
            ps.setLong(++i, st.id());
            ps.executeUpdate();
        }
    }

    /**
     * A fill's rows applied, in the fill's own transaction (so the count is there exactly when the rows are):
     * completes the source connector's progress row of the same fill tick, or starts one where there is none
     * (a FULL refresh, or the source could not record it), without rows read then.
     */
    static void fillApplied(Connection conn, StreamTableShape st, TickBatch batch, long inserted) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO pgtrickle.pgt_fill_progress AS p (pgt_id, tick_id, "
                + "rows_read, read_done, rows_applied) VALUES (?, ?, NULL, true, ?) ON CONFLICT (pgt_id) DO UPDATE SET "
                + "rows_applied = EXCLUDED.rows_applied, updated_at = clock_timestamp(), "
                + "rows_read = CASE WHEN p.tick_id = EXCLUDED.tick_id THEN p.rows_read END, "
                + "rows_estimated = CASE WHEN p.tick_id = EXCLUDED.tick_id THEN p.rows_estimated END, "
                + "read_done = true, tick_id = EXCLUDED.tick_id WHERE p.tick_id <= EXCLUDED.tick_id")) {
            ps.setLong(1, st.id());
            ps.setLong(2, batch.firstTick());
            ps.setLong(3, inserted);
            ps.executeUpdate();
        }
    }

    static void setJob(PreparedStatement ps, int first, JobInfo job) throws SQLException {
        ps.setString(first, job == null ? null : job.unitKey());
        ps.setString(first + 1, job == null ? null : job.unitKind());
        ps.setString(first + 2, job == null ? null : job.worker());
    }
}
