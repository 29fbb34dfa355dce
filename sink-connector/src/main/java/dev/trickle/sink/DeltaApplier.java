package dev.trickle.sink;

import dev.trickle.core.parallel.RefreshPlan;
import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Applies one complete tick of one stream table in one transaction, together with its progress row, a
 * refresh-history row and the catalog's view of the stream table. Set-based: the consolidated delta is
 * COPYed into a temporary table, then one DELETE and one INSERT change the stream table.
 */
final class DeltaApplier implements AutoCloseable {
    private static final int COPY_CHUNK_BYTES = 256 * 1024;
    private static final long ANALYZE_AFTER_FILL_ROWS = 1_000;

    private final Connection conn;
    /** Temporary delta tables of this session: storage oid to the shape they were made for. */
    private final Map<Long, String> tempTables = new HashMap<>();

    DeltaApplier(Connection conn) throws SQLException {
        this.conn = conn;
        conn.setAutoCommit(false);
    }

    Connection connection() {
        return conn;
    }

    /** The plan of execution units (pgtrickle.parallel_plan()), read in a transaction of its own. */
    RefreshPlan readPlan() throws SQLException {
        try {
            RefreshPlan plan = RefreshPlan.load(conn);
            conn.commit();
            return plan;
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /**
     * Applies the tick, or says why not. Throws only what a retry on a new connection may cure (see
     * {@link PgErrors}). A tick that does not fit the stream table (divergence, wrong width, storage gone) puts
     * it in ERROR (FAILED); any other SQL error is counted in the catalog and returned as RETRY, or as
     * NOW_SUSPENDED once it is the {@link FailureLog#MAX_CONSECUTIVE_FAILURES}th in a row.
     */
    ApplyResult apply(PendingTick tick, JobInfo job) throws SQLException {
        return applyTogether(List.of(tick), job).get(0);
    }

    /** {@link #apply(PendingTick, JobInfo)} outside any execution unit (the benchmark's direct path). */
    ApplyResult apply(PendingTick tick) throws SQLException {
        return apply(tick, null);
    }

    /**
     * Applies ticks of several stream tables (an atomic group's members at one tick, upstream first) in one
     * transaction, as {@link #apply} does one. When one of them fails, nothing of the others is written: they
     * come back DEFERRED, to be tried again with the group.
     */
    List<ApplyResult> applyTogether(List<PendingTick> ticks, JobInfo job) throws SQLException {
        List<ApplyResult> results = new ArrayList<>(ticks.size());
        long startedAt = System.currentTimeMillis();
        long started = System.nanoTime();
        StreamTableShape st = null;
        try {
            for (PendingTick tick : ticks) {
                st = null;
                startedAt = System.currentTimeMillis();
                started = System.nanoTime();
                st = StreamTableShape.lockAndLoad(conn, tick.streamTable());
                ApplyResult skipped = precheck(st, tick);
                results.add(skipped != null ? skipped : write(st, tick, job, started, startedAt));
            }
            if (results.stream().anyMatch(r -> r.outcome() == ApplyResult.Outcome.APPLIED)) {
                conn.commit();
            } else {
                rollback();
            }
            return results;
        } catch (Refused r) {
            rollbackQuietly();
            return deferOthers(ticks, results.size(), FailureLog.markError(conn, st, ticks.get(results.size()),
                    r.getMessage()));
        } catch (SQLException e) {
            rollbackQuietly();
            if (st == null || PgErrors.retriable(e, conn)) {
                throw e;
            }
            int failed = Math.min(results.size(), ticks.size() - 1);
            return deferOthers(ticks, failed, FailureLog.countFailure(conn, st, ticks.get(failed), job,
                    "could not be applied: " + e.getMessage(), (System.nanoTime() - started) / 1e6, startedAt));
        }
    }

    /** The failure for the tick at index {@code failed}; every other tick of the transaction was rolled back. */
    private static List<ApplyResult> deferOthers(List<PendingTick> ticks, int failed, ApplyResult failure) {
        List<ApplyResult> out = new ArrayList<>(ticks.size());
        for (int i = 0; i < ticks.size(); i++) {
            out.add(i == failed ? failure : ApplyResult.skipped(ApplyResult.Outcome.DEFERRED, failure.streamTable()));
        }
        return out;
    }

    /** Why a tick cannot be applied to this stream table as it is (a retry would not help). */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private ApplyResult write(StreamTableShape st, PendingTick tick, JobInfo job, long started, long startedAt)
            throws SQLException, Refused {
        List<Map.Entry<List<String>, Long>> delta = tick.delta();
        checkWidth(st, delta);
        Target target = prepare(st);
        copy(target, delta);
        long wiped = tick.initial() ? update("DELETE FROM " + st.storage()) : 0;
        long expected = delta.stream().filter(e -> e.getValue() < 0).mapToLong(e -> -e.getValue()).sum();
        long deleted = expected == 0 ? 0 : update(deleteSql(st, target));
        if (deleted != expected) {
            throw new Refused("deletes " + expected + " row(s), but only " + deleted
                    + " of them are in the stream table: it no longer equals its query");
        }
        long inserted = delta.stream().anyMatch(e -> e.getValue() > 0) ? update(insertSql(st, target)) : 0;
        if (tick.initial() && inserted >= ANALYZE_AFTER_FILL_ROWS) {
            // statistics now, not when autovacuum comes round: the next ticks' deletes then plan with the row index
            update("ANALYZE " + st.storage());
        }
        double millis = (System.nanoTime() - started) / 1e6;
        record(st, tick, new Done(job, inserted, wiped + deleted, millis, startedAt));
        return ApplyResult.applied(st.catalogName(), inserted, wiped + deleted, millis);
    }

    /** A result when the tick is not to be written at all; null when it is. Takes the progress row lock. */
    private ApplyResult precheck(StreamTableShape st, PendingTick tick) throws SQLException {
        if (st == null) {
            return ApplyResult.skipped(ApplyResult.Outcome.DROPPED, "stream table " + tick.streamTable());
        }
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = ? FOR UPDATE")) {
            ps.setLong(1, st.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && tick.tick() <= rs.getLong(1)) {
                    return ApplyResult.skipped(ApplyResult.Outcome.ALREADY_APPLIED, st.catalogName());
                }
            }
        }
        // In ERROR, and also once refreshed out of ERROR (INITIALIZING), the content is that of the last tick
        // applied before the failure; only the new fill makes it right again, and a delta of a tick before
        // that fill (still on its way from the engine) would be applied to the wrong content.
        if (st.suspended()) {
            return ApplyResult.skipped(ApplyResult.Outcome.SUSPENDED, st.catalogName());
        }
        if ((st.inError() || st.awaitingFill()) && !tick.initial()) {
            return ApplyResult.skipped(ApplyResult.Outcome.AWAITING_REFRESH, st.catalogName());
        }
        return null;
    }

    private static void checkWidth(StreamTableShape st, List<Map.Entry<List<String>, Long>> delta) throws Refused {
        if (st.storage() == null) {
            throw new Refused("cannot be applied: the storage table is gone (drop the stream table and create it again)");
        }
        for (Map.Entry<List<String>, Long> e : delta) {
            if (e.getKey().size() != st.columns().size()) {
                throw new Refused("has rows of " + e.getKey().size() + " value(s), but the stream table has "
                        + st.columns().size() + " column(s)");
            }
        }
    }

    /** The temporary table and its two extra columns, named so that no stream table column can clash. */
    private record Target(String table, List<String> columns, String rowCol, String weightCol) {
    }

    private Target prepare(StreamTableShape st) throws SQLException {
        String rowCol = unusedName(st, "__pgt_row");
        String weightCol = unusedName(st, "__pgt_weight");
        Target t = new Target("pg_temp." + Sql.ident("__pgt_delta_" + st.relid()), st.columns(), rowCol,
                weightCol);
        String shape = st.storage() + " (" + st.signature() + ") " + rowCol + " " + weightCol;
        if (!shape.equals(tempTables.get(st.relid()))) {
            // Made once per session and stream table: a temporary table per tick would bloat pg_class.
            update("DROP TABLE IF EXISTS " + t.table());
            update("CREATE TEMP TABLE " + Sql.ident("__pgt_delta_" + st.relid()) + " (LIKE " + st.storage() + ", "
                    + rowCol + " bigint NOT NULL, " + weightCol + " bigint NOT NULL) ON COMMIT DELETE ROWS");
            tempTables.put(st.relid(), shape);
        }
        return t;
    }

    private static String unusedName(StreamTableShape st, String base) {
        String name = base;
        while (st.columns().contains(Sql.ident(name))) {
            name = name + "_";
        }
        return Sql.ident(name);
    }

    private void copy(Target t, List<Map.Entry<List<String>, Long>> delta) throws SQLException {
        if (delta.isEmpty()) {
            return;
        }
        String cols = t.rowCol() + ", " + t.weightCol();
        CopyIn in = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "COPY " + t.table() + " (" + columnsSql(t) + cols + ") FROM STDIN");
        try {
            CopyText text = new CopyText();
            CopyText.Chunker chunks = new CopyText.Chunker(COPY_CHUNK_BYTES);
            long ordinal = 0;
            for (Map.Entry<List<String>, Long> e : delta) {
                if (chunks.add(text.line(e.getKey(), ++ordinal, e.getValue()))) {
                    byte[] b = chunks.take();
                    in.writeToCopy(b, 0, b.length);
                }
            }
            if (!chunks.isEmpty()) {
                byte[] b = chunks.take();
                in.writeToCopy(b, 0, b.length);
            }
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    /** The stream table's columns followed by ", " (empty for a stream table without columns). */
    private static String columnsSql(Target t) {
        return t.columns().isEmpty() ? "" : String.join(", ", t.columns()) + ", ";
    }

    /**
     * Deletes |w| copies of each row with weight w &lt; 0. Rows are matched through the whole-row hash
     * index when the stream table has one (then the equality check only guards against hash collisions);
     * without it, by record image equality, which works for every column type. row_number() picks exactly
     * |w| of several identical rows, so duplicates in a keyless stream table keep multiset semantics.
     * tableoid with ctid names a row also in a partitioned table. Functions are qualified with pg_catalog so that look-alikes in a user schema cannot stand in.
     */
    private static String deleteSql(StreamTableShape st, Target t) {
        String row = "ROW(" + st.columns().stream().map(c -> "d." + c).collect(Collectors.joining(", ")) + ")::"
                + st.storage();
        String match = st.hashed()
                ? "pg_catalog.hash_record_extended(t.*, 0) = pg_catalog.hash_record_extended(" + row + ", 0)"
                        + " AND t.* IS NOT DISTINCT FROM " + row
                : "t.* *= " + row;
        return "WITH victims AS ("
                + " SELECT t.tableoid AS toid, t.ctid AS tid,"
                + " pg_catalog.row_number() OVER (PARTITION BY d." + t.rowCol() + " ORDER BY t.ctid) AS rn,"
                + " -d." + t.weightCol() + " AS n"
                + " FROM " + st.storage() + " t JOIN " + t.table() + " d ON " + match
                + " WHERE d." + t.weightCol() + " < 0)"
                + " DELETE FROM " + st.storage() + " t USING victims v"
                + " WHERE t.tableoid = v.toid AND t.ctid = v.tid AND v.rn <= v.n";
    }

    private static String insertSql(StreamTableShape st, Target t) {
        String target = st.columns().isEmpty() ? "" : " (" + String.join(", ", st.columns()) + ")";
        String values = st.columns().stream().map(c -> "d." + c).collect(Collectors.joining(", "));
        return "INSERT INTO " + st.storage() + target + " SELECT " + values + " FROM " + t.table() + " d"
                + " CROSS JOIN LATERAL pg_catalog.generate_series(1, d." + t.weightCol() + ") WHERE d." + t.weightCol() + " > 0";
    }

    /** What an applied tick did, for its history row. */
    private record Done(JobInfo job, long inserted, long deleted, double millis, long startedAt) {
    }

    /** Progress, history and catalog rows, in the same transaction as the data. */
    private void record(StreamTableShape st, PendingTick tick, Done d) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO pgtrickle.pgt_sink_progress (pgt_id, last_tick, updated_at) VALUES (?, ?, now()) "
                        + "ON CONFLICT (pgt_id) DO UPDATE SET last_tick = EXCLUDED.last_tick, updated_at = now()")) {
            ps.setLong(1, st.id());
            ps.setLong(2, tick.tick());
            ps.executeUpdate();
        }
        if (!tick.initial() && d.inserted() == 0 && d.deleted() == 0) {
            // An idle tick only advances the stream table; a history row per idle tick would grow
            // the history by one row per stream table per second and say nothing.
            updateCatalog(st, tick);
            return;
        }
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, tick_id, initial, rows_inserted, rows_deleted, "
                        + "duration_ms, attempt, unit_key, unit_kind, worker, enqueued_at, started_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, pg_catalog.to_timestamp(? / 1000.0), "
                        + "pg_catalog.to_timestamp(? / 1000.0))")) {
            ps.setLong(1, st.id());
            ps.setLong(2, tick.tick());
            ps.setBoolean(3, tick.initial());
            ps.setLong(4, d.inserted());
            ps.setLong(5, d.deleted());
            ps.setDouble(6, d.millis());
            ps.setInt(7, st.failures() + 1);
            setJob(ps, 8, d.job());
            ps.setLong(11, tick.queuedAt());
            ps.setLong(12, d.startedAt());
            ps.executeUpdate();
        }
        updateCatalog(st, tick);
    }

    static void setJob(PreparedStatement ps, int first, JobInfo job) throws SQLException {
        ps.setString(first, job == null ? null : job.unitKey());
        ps.setString(first + 1, job == null ? null : job.unitKind());
        ps.setString(first + 2, job == null ? null : job.worker());
    }

    private void updateCatalog(StreamTableShape st, PendingTick tick) throws SQLException {
        // INITIALIZING becomes ACTIVE with the first tick; ERROR only with a re-initialisation (the only
        // tick that makes the content right again); SUSPENDED and PAUSED are the user's to change.
        try (PreparedStatement ps = conn.prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET last_tick = ?, data_timestamp = pg_catalog.to_timestamp(? / 1000.0), "
                        + "status = CASE WHEN status = 'INITIALIZING' OR (status = 'ERROR' AND ?) THEN 'ACTIVE' "
                        + "ELSE status END, "
                        // the engine may have stopped the stream table meanwhile: keep its reason
                        + "last_error = CASE WHEN status = 'ERROR' AND NOT ? THEN last_error END, "
                        // a success ends a run of failures (no extra statement: this one runs anyway)
                        + "consecutive_failures = 0 WHERE pgt_id = ?")) {
            ps.setLong(1, tick.tick());
            ps.setLong(2, tick.tickMillis());
            ps.setBoolean(3, tick.initial());
            ps.setBoolean(4, tick.initial());
            ps.setLong(5, st.id());
            ps.executeUpdate();
        }
    }

    private long update(String sql) throws SQLException {
        try (Statement s = conn.createStatement()) {
            return s.executeLargeUpdate(sql);
        }
    }

    private void rollback() throws SQLException {
        conn.rollback();
        // a temporary table made in the rolled back transaction is gone again
        tempTables.clear();
    }

    private void rollbackQuietly() {
        try {
            rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the caller finds out and reconnects
        }
    }

    @Override
    public void close() throws SQLException {
        conn.close();
    }
}
