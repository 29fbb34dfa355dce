package dev.trickle.sink;

import dev.trickle.core.parallel.RefreshPlan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies complete ticks of one stream table in one transaction (one tick, or a {@link TickBatch} of
 * consecutive ones that were waiting), together with its progress row, a refresh-history row and the catalog's
 * view of the stream table ({@link TickLedger}). Set-based: the consolidated delta is COPYed into a temporary
 * table, then one DELETE and one INSERT change the stream table, or by key a DELETE, an UPDATE (a key whose row
 * changed) and an INSERT ({@link StorageChange}). Round trips per tick:
 * the catalog row, the progress row with the guard's setting and a pending verification, the COPY, the change
 * (the keyed DELETE, UPDATE and INSERT sent together), the ledger, the commit.
 */
final class DeltaApplier implements AutoCloseable {
    private static final String UNIQUE_VIOLATION = "23505";

    private final Connection conn;
    private final StorageChange storage;

    DeltaApplier(Connection conn) throws SQLException {
        this.conn = conn;
        this.storage = new StorageChange(conn);
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
     * Applies the batch of ticks, or says why not. Throws only what a retry on a new connection may cure (see
     * {@link PgErrors}). Ticks that do not fit the stream table (divergence, wrong width, storage gone) put it
     * in ERROR (FAILED), as does a batch refused for a malformed record before it ({@link TopicTicks#poison});
     * any other SQL error is counted in the catalog and returned as RETRY, or as
     * NOW_SUSPENDED once it is the {@link FailureLog#MAX_CONSECUTIVE_FAILURES}th in a row.
     */
    ApplyResult apply(TickBatch batch, JobInfo job) throws SQLException {
        return applyTogether(List.of(batch), job).get(0);
    }

    /** One tick outside any execution unit (the benchmark's direct path). */
    ApplyResult apply(PendingTick tick) throws SQLException {
        return apply(TickBatch.of(tick), null);
    }

    /**
     * Applies batches of several stream tables (an atomic group's members over the same ticks, upstream first)
     * in one transaction, as {@link #apply} does one. When one of them fails, nothing of the others is written:
     * they come back DEFERRED, to be tried again with the group.
     */
    List<ApplyResult> applyTogether(List<TickBatch> batches, JobInfo job) throws SQLException {
        List<ApplyResult> results = new ArrayList<>(batches.size());
        long startedAt = System.currentTimeMillis();
        long started = System.nanoTime();
        StreamTableShape st = null;
        TickBatch current = null;
        try {
            for (TickBatch batch : batches) {
                st = null;
                current = batch;
                startedAt = System.currentTimeMillis();
                started = System.nanoTime();
                st = StreamTableShape.lockAndLoad(conn, batch.streamTable());
                Check check = precheck(st, batch);
                current = check.toWrite() == null ? batch : check.toWrite();
                if (check.toWrite() != null && check.toWrite().refusal() != null) {
                    throw new Refused(check.toWrite().refusal());
                }
                results.add(check.skipped() != null ? check.skipped()
                        : writeVerifying(st, check.toWrite(), check.verifyAt(), job, started, startedAt));
            }
            if (results.stream().anyMatch(r -> r.outcome() == ApplyResult.Outcome.APPLIED)) {
                conn.commit();
            } else {
                rollback();
            }
            return results;
        } catch (Refused r) {
            rollbackQuietly();
            ApplyResult failed = FailureLog.markError(conn, st, current, r.getMessage());
            if (r.dropKey) {
                FailureLog.dropKey(conn, st);
            }
            return deferOthers(batches.size(), results.size(), failed);
        } catch (SQLException e) {
            rollbackQuietly();
            if (st == null || PgErrors.retriable(e, conn)) {
                throw e;
            }
            int failed = Math.min(results.size(), batches.size() - 1);
            return deferOthers(batches.size(), failed, FailureLog.countFailure(conn, st, current, job,
                    "could not be applied: " + e.getMessage(), (System.nanoTime() - started) / 1e6, startedAt));
        }
    }

    /** The failure for the batch at index {@code failed}; every other batch of the transaction was rolled back. */
    private static List<ApplyResult> deferOthers(int batches, int failed, ApplyResult failure) {
        List<ApplyResult> out = new ArrayList<>(batches);
        for (int i = 0; i < batches; i++) {
            out.add(i == failed ? failure : ApplyResult.skipped(ApplyResult.Outcome.DEFERRED, failure.streamTable()));
        }
        return out;
    }

    /** Why ticks cannot be applied to this stream table as it is (a retry would not help). */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        /** The stream table's key did not hold: it goes back to whole rows, so that a refresh can fill it. */
        private final boolean dropKey;

        Refused(String message) {
            this(message, false);
        }

        Refused(String message, boolean dropKey) {
            super(message, null, false, false);
            this.dropKey = dropKey;
        }
    }

    /**
     * {@link #write}, with verify_stream_table's comparison ({@link TickVerification}) where one is pending: a batch
     * that runs past the verified tick is written in two parts in this transaction, compared in between.
     */
    private ApplyResult writeVerifying(StreamTableShape st, TickBatch batch, long at, JobInfo job, long started,
                                       long startedAt) throws SQLException, Refused {
        if (at < 0) {
            return write(st, batch, job, started, startedAt);
        }
        TickBatch[] parts = TickVerification.split(batch, at);
        if (parts == null) {
            ApplyResult done = write(st, batch, job, started, startedAt);
            TickVerification.compare(conn, st.id(), batch.lastTick());
            return done;
        }
        ApplyResult first = write(st, parts[0], job, started, startedAt);
        TickVerification.compare(conn, st.id(), at);
        // the temporary delta table empties at commit only: the second part starts from an empty one
        storage.update("DELETE FROM " + DeltaSql.Target.of(st).table());
        ApplyResult rest = write(st, parts[1], job, System.nanoTime(), System.currentTimeMillis());
        return ApplyResult.applied(rest.streamTable(), first.inserted() + rest.inserted(),
                first.deleted() + rest.deleted(), first.millis() + rest.millis());
    }

    private ApplyResult write(StreamTableShape st, TickBatch batch, JobInfo job, long started, long startedAt)
            throws SQLException, Refused {
        List<Map.Entry<List<String>, Long>> delta = batch.delta();
        checkWidth(st, delta);
        DeltaSql.Target target = storage.prepare(st);
        KeyedDelta keyed = !batch.initial() && st.keyed() ? KeyedDelta.of(st, delta) : null;
        if (keyed != null) {
            storage.copyKeyed(target, keyed);
        } else {
            storage.copy(target, delta);
        }
        long expected = delta.stream().filter(e -> e.getValue() < 0).mapToLong(e -> -e.getValue()).sum();
        long[] changed;
        try {
            changed = batch.initial() ? storage.fill(st, target, delta)
                    : keyed != null ? storage.changeByKey(st, target, keyed) : storage.change(st, target, delta);
        } catch (SQLException e) {
            if (st.keyed() && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new Refused("inserts a row whose key another row of the stream table has (" + e.getMessage()
                        + "): it no longer equals its query, or its key no longer holds; it is applied by whole rows "
                        + "from now on", true);
            }
            throw e;
        }
        long deleted = changed[0];
        long inserted = changed[1];
        if (deleted != expected) {
            throw new Refused("deletes " + expected + " row(s), but only " + deleted
                    + " of them are in the stream table: it no longer equals its query");
        }
        long wiped = changed[2];
        double millis = (System.nanoTime() - started) / 1e6;
        TickLedger.record(conn, st, batch, new TickLedger.Done(job, inserted, wiped + deleted, millis, startedAt));
        if (batch.initial()) {
            TickLedger.fillApplied(conn, st, batch, inserted);
        }
        return ApplyResult.applied(st.catalogName(), inserted, wiped + deleted, millis);
    }

    /**
     * What {@link #precheck} decided: a result without writing anything, or the ticks to write and the tick of a
     * verification pending up to their last ({@link TickVerification}; -1: none).
     */
    private record Check(ApplyResult skipped, TickBatch toWrite, long verifyAt) {

        static Check skip(ApplyResult.Outcome outcome, String streamTable) {
            return new Check(ApplyResult.skipped(outcome, streamTable), null, -1);
        }
    }

    /**
     * Skips what is not to be written: the whole batch, or the ticks the progress row says are in already
     * (a redelivery after a crash may put applied and new ticks in one batch). Takes the progress row lock.
     */
    private Check precheck(StreamTableShape st, TickBatch batch) throws SQLException {
        if (st == null) {
            return Check.skip(ApplyResult.Outcome.DROPPED, "stream table " + batch.streamTable());
        }
        TickBatch rest;
        long verifyAt;
        // one round trip: the DML guard of the stream tables lets this transaction, and only it (is_local), write
        // them; the progress row, locked; a verification pending up to the batch's last tick (the ticks skipped
        // below are all before it)
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_catalog.set_config('pgtrickle.sink_apply', 'on', "
                + "true), (SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = ? FOR UPDATE), ("
                + TickVerification.PENDING + ")")) {
            ps.setLong(1, st.id());
            ps.setLong(2, st.id());
            ps.setLong(3, batch.lastTick());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long lastTick = rs.getLong(2);
                rest = rs.wasNull() ? batch : batch.after(lastTick);
                verifyAt = rs.getLong(3);
                verifyAt = rs.wasNull() ? -1 : verifyAt;
            }
        }
        if (rest == null) {
            return Check.skip(ApplyResult.Outcome.ALREADY_APPLIED, st.catalogName());
        }
        // In ERROR, and also once refreshed out of ERROR (INITIALIZING), the content is that of the last tick
        // applied before the failure; only the new fill makes it right again, and a delta of a tick before
        // that fill (still on its way from the engine) would be applied to the wrong content. A batch holds a
        // fill only as its first tick, so a batch without one is all before the fill.
        if (st.suspended()) {
            return Check.skip(ApplyResult.Outcome.SUSPENDED, st.catalogName());
        }
        // A fill of the plan an alter_stream_table replaced, on its way when the alter committed, is not the new one.
        if ((st.inError() || st.awaitingFill()) && !rest.initial() || st.awaitingFill() && oldPlansFill(st, rest)) {
            return Check.skip(ApplyResult.Outcome.AWAITING_REFRESH, st.catalogName());
        }
        return new Check(null, rest, verifyAt);
    }

    /**
     * A fill of the plan before an alter_stream_table, on its way when the alter committed: its tick's snapshot does
     * not see the alter (pgt_stream_tables.altered_by).
     */
    private boolean oldPlansFill(StreamTableShape st, TickBatch batch) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT NOT pg_visible_in_snapshot(s.altered_by, t.snapshot) "
                + "FROM pgtrickle.pgt_stream_tables s JOIN pgtrickle.pgt_ticks t ON t.tick_id = ? "
                + "WHERE s.pgt_id = ? AND s.altered_by IS NOT NULL")) {
            ps.setLong(1, batch.firstTick());
            ps.setLong(2, st.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
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

    private void rollback() throws SQLException {
        conn.rollback();
        storage.rolledBack();
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
