package dev.trickle.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the catalog records when a tick cannot be applied, each in a transaction of its own after the tick's
 * was rolled back: ERROR for a tick that does not fit the stream table, or a counted failure (FAILED history
 * row, SUSPENDED at the limit) for an SQL error that may pass.
 */
final class FailureLog {
    private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);

    /** As pg_trickle's max_consecutive_errors: a stream table failing this often in a row is SUSPENDED. */
    static final int MAX_CONSECUTIVE_FAILURES = 3;

    private FailureLog() {
    }

    /** Puts the stream table in ERROR (its data stays at the last applied tick) in a transaction of its own. */
    static ApplyResult markError(Connection conn, StreamTableShape st, TickBatch batch, String reason)
            throws SQLException {
        // a refresh cannot bring back a storage table that was dropped by hand
        String message = batch.describe() + " " + reason + (st.storage() == null ? "" : "; " + st.refreshHint());
        try (PreparedStatement ps = conn.prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = ? WHERE pgt_id = ?")) {
            ps.setString(1, message);
            ps.setLong(2, st.id());
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly(conn);
            throw e;
        }
        return ApplyResult.failed(st.catalogName(), message);
    }

    /**
     * Records that the stream table has no key (pgtrickle._set_row_key moves it back to the whole-row index), in a
     * transaction of its own after the ERROR: its content repeated the key, so a refresh fills it by whole rows.
     * The streams app records the key again when it plans the query anew. Failing that is logged, not thrown:
     * the stream table is in ERROR either way.
     */
    static void dropKey(Connection conn, StreamTableShape st) {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pgtrickle._set_row_key(?, NULL)")) {
            ps.setLong(1, st.id());
            ps.execute();
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly(conn);
            LOG.warn("Could not move stream table {} back to whole rows: {}", st.catalogName(), e.getMessage());
        }
    }

    /**
     * Counts a failed attempt in one statement of its own transaction: the failure count, last_error, SUSPENDED
     * at the limit, and a FAILED history row. The tick's data was rolled back.
     */
    static ApplyResult countFailure(Connection conn, StreamTableShape st, TickBatch batch, JobInfo job, String reason,
                                    double millis, long startedAt) throws SQLException {
        String sql = "WITH f AS (UPDATE pgtrickle.pgt_stream_tables SET consecutive_failures = consecutive_failures + 1, "
                + "status = CASE WHEN consecutive_failures + 1 >= ? THEN 'SUSPENDED' ELSE status END, "
                + "last_error = CASE WHEN consecutive_failures + 1 >= ? "
                + "  THEN pg_catalog.format('suspended after %s consecutive failures; the last: %s %s. Fix the cause, "
                + "then run SELECT pgtrickle.resume_stream_table(%L)', consecutive_failures + 1, ?::text, ?::text, ?::text) "
                + "  ELSE pg_catalog.format('%s %s (failure %s of %s in a row; it is retried)', ?::text, ?::text, "
                + "consecutive_failures + 1, ?::int) END "
                + "WHERE pgt_id = ? RETURNING consecutive_failures, status, last_error), "
                + "h AS (INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, first_tick_id, tick_id, initial, rows_inserted, rows_deleted, "
                + "duration_ms, status, error_message, attempt, unit_key, unit_kind, worker, enqueued_at, started_at) "
                + "SELECT ?, ?, ?, ?, 0, 0, ?, 'FAILED', ?, f.consecutive_failures, ?, ?, ?, "
                + "pg_catalog.to_timestamp(? / 1000.0), pg_catalog.to_timestamp(? / 1000.0) FROM f) "
                + "SELECT status, last_error FROM f";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 0;
            ps.setInt(++i, MAX_CONSECUTIVE_FAILURES);
            ps.setInt(++i, MAX_CONSECUTIVE_FAILURES);
            ps.setString(++i, batch.describe());
            ps.setString(++i, reason);
            ps.setString(++i, st.catalogName());
            ps.setString(++i, batch.describe());
            ps.setString(++i, reason);
            ps.setInt(++i, MAX_CONSECUTIVE_FAILURES);
            ps.setLong(++i, st.id());
            ps.setLong(++i, st.id());
            ps.setLong(++i, batch.firstTick());
            ps.setLong(++i, batch.lastTick());
            ps.setBoolean(++i, batch.initial());
            ps.setDouble(++i, millis);
            ps.setString(++i, reason);
            TickLedger.setJob(ps, ++i, job);
            i += 2;
            ps.setLong(++i, batch.queuedAt());
            ps.setLong(++i, startedAt);
            try (ResultSet rs = ps.executeQuery()) {
                boolean found = rs.next();
                conn.commit();
                if (!found) {
                    return ApplyResult.skipped(ApplyResult.Outcome.DROPPED, st.catalogName());
                }
                return ApplyResult.failedAttempt(StreamTableShape.SUSPENDED.equals(rs.getString(1)), st.catalogName(),
                        rs.getString(2));
            }
        } catch (SQLException e) {
            rollbackQuietly(conn);
            throw e;
        }
    }

    private static void rollbackQuietly(Connection conn) {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the caller finds out and reconnects
        }
    }
}
