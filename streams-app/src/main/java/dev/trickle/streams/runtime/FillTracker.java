package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Which change records a stream table wants: nothing before its initial fill; at the fill's tick only
 * the snapshot rows tagged for it (the tick's own changes are already in the snapshot); after it,
 * every untagged change. Kept in the task's meta store, so it survives restarts.
 */
final class FillTracker {
    static final String INIT = "init";
    static final String FAILED = "failed";
    static final String PLAN = "plan";
    static final String AWAIT = "await-fill";
    private final long streamTable;
    private final KeyValueStore<String, String> meta;
    /*
     * These entries are read for every change record (store reads per record and stream table, a visible
     * share of the app's CPU), but written only through this object: they are read once, then kept here. A
     * task that restarts or is revived makes a new tracker in its processor's init, so the copy never outlives
     * the store content it was read from.
     */
    private boolean loaded;
    private Long init;
    private String failed;
    private boolean awaiting;

    FillTracker(long streamTable, KeyValueStore<String, String> meta) {
        this.streamTable = streamTable;
        this.meta = meta;
    }

    /** Returns true if the record is an Init for this stream table (now recorded). */
    boolean onInit(ChangeRecord.Init init) {
        if (init.streamTable() != streamTable) {
            return false;
        }
        load();
        meta.put(INIT, Long.toString(init.tick()));
        meta.delete(FAILED); // a new fill is how a stream table that failed comes back
        meta.delete(AWAIT);
        this.init = init.tick();
        this.failed = null;
        this.awaiting = false;
        return true;
    }

    /**
     * Records the plan generation the task runs (see StreamTableDef#planGeneration). Returns true when the store
     * holds the progress of another one (the query or mode was altered): that is forgotten, and nothing is wanted
     * until the new plan's fill, which the catalog asked for with the change; the caller drops its other state.
     * A store without a generation (written before generations were kept) counts as the current one.
     */
    boolean startPlan(long generation) {
        String before = meta.get(PLAN);
        String now = Long.toString(generation);
        if (now.equals(before)) {
            return false;
        }
        meta.put(PLAN, now);
        if (before == null) {
            return false;
        }
        load();
        meta.delete(INIT);
        meta.delete(FAILED);
        meta.put(AWAIT, now);
        init = null;
        failed = null;
        awaiting = true;
        return true;
    }

    /** After {@link #startPlan} changed the plan: no change record counts until the new plan's fill. */
    boolean awaitingFill() {
        load();
        return awaiting;
    }

    /** Whether the record is an Init of this stream table (a new fill). */
    boolean isOwnInit(ChangeRecord change) {
        return change instanceof ChangeRecord.Init init && init.streamTable() == streamTable;
    }

    boolean wanted(ChangeRecord.Row row) {
        Long init = initTick();
        if (init == null) {
            return false;
        }
        if (row.streamTable() != null) {
            return row.streamTable() == streamTable && row.tick() == init;
        }
        return row.tick() > init;
    }

    /** Ticks before the fill end nothing for this stream table. */
    boolean counts(ChangeRecord.End end) {
        Long init = initTick();
        return init != null && end.tick() >= init;
    }

    boolean isInitial(long tick) {
        Long init = initTick();
        return init != null && init == tick;
    }

    Long initTick() {
        load();
        return init;
    }

    String failure() {
        load();
        return failed;
    }

    void fail(String message) {
        load();
        meta.put(FAILED, message);
        failed = message;
    }

    private void load() {
        if (!loaded) {
            String v = meta.get(INIT);
            init = v == null ? null : Long.valueOf(v);
            failed = meta.get(FAILED);
            awaiting = meta.get(AWAIT) != null;
            loaded = true;
        }
    }
}
