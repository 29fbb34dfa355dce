package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream stream tables a gathered stream table reads, in its gathering task. Their delta rows
 * wait in the tick buffer under source index {@code n + i} (n sources; the fill rows of upstream i
 * come from its fill topic as source i), and a tick is complete for upstream i once every producer of
 * its delta ended the tick on every partition.
 *
 * <p>A fill at tick t0 reads the upstream's storage table, which shows the upstream at tick tb (the
 * Init marker says which); the upstream at t0 is that content plus its deltas of ticks (tb, t0], or,
 * when the upstream was itself filled anew at a tick u in that range (an initial delta), its delta of u
 * and the ones after. Deltas at or below tb are dropped. A fill whose tb is older than deltas this task
 * has already consumed cannot be completed: the fill is dropped and another one requested.
 *
 * <p>When an upstream is filled anew while the downstream runs, its initial delta replaces its whole
 * content, which the downstream's operators cannot take as a delta: the downstream stops emitting
 * (it stays at its last tick, consistent) until its own new fill, which a refresh of the upstream
 * requests.
 */
final class UpstreamInputs {
    private static final String PREFIX = "d";
    private final RunnableStreamTable table;
    private final TickLedger ledger;
    private final TickBuffer pending;
    private final int n;

    UpstreamInputs(RunnableStreamTable table, TickLedger ledger, TickBuffer pending) {
        this.table = table;
        this.ledger = ledger;
        this.pending = pending;
        this.n = table.compiled().sources().size();
    }

    /** The gather topic key of upstream source {@code source}'s delta records. */
    static String key(int source) {
        return PREFIX + source;
    }

    /** The source index of a gather topic key, or -1 when the key is not an upstream's. */
    static int source(String key) {
        return key != null && key.startsWith(PREFIX) ? Integer.parseInt(key.substring(PREFIX.length())) : -1;
    }

    /** Pending index {@code index} holds rows of source {@code index % n}. */
    String sourceName(int index) {
        return table.sourceName(index % n);
    }

    /**
     * Takes upstream {@code source}'s gathered delta record. Returns why it cannot be used (a row of another width:
     * written by the upstream's plan for other columns), or null.
     */
    String onDelta(int source, DeltaRecord record) {
        if (record instanceof DeltaRecord.Row row) {
            List<String> names = table.columnNames(source);
            if (names.size() != row.values().size()) {
                return "upstream stream table " + table.sourceName(source) + " sent a row of " + row.values().size()
                        + " values at tick " + row.tick() + ", but this stream table was planned with its "
                        + names.size() + " columns " + names;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int c = 0; c < names.size(); c++) {
                values.put(names.get(c), row.values().get(c));
            }
            pending.add(row.tick(), n + source, values, row.weight());
        } else {
            DeltaRecord.End end = (DeltaRecord.End) record;
            ledger.countUpstreamEnd(end.tick(), source, end.producers() * end.partitions());
            if (end.initial()) {
                ledger.markUpstreamInitial(end.tick(), source);
            }
        }
        return null;
    }

    /** An Init on upstream {@code source}'s fill topic: remembers the upstream tick the fill rows show. */
    void onInit(ChangeRecord.Init init, int source) {
        if (init.upstreamTick() != null) {
            ledger.setBase(init.tick(), source, init.upstreamTick());
        }
    }

    /** Every upstream has ended {@code tick} (all its producers, all partitions). */
    boolean ended(long tick) {
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i)) {
                if (!ledger.upstreamEndsComplete(tick, i)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Makes the fill at {@code t0} complete: each upstream's deltas after its fill's tick are added to it.
     * Returns why the fill cannot be used (then nothing is changed), or null.
     */
    String fill(long t0) {
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i)) {
                Long base = ledger.base(t0, i);
                long consumed = consumed(i);
                if (base == null || base < consumed) {
                    return "the fill at tick " + t0 + " read " + table.sourceName(i) + " at tick "
                            + (base == null ? "?" : base) + ", but its deltas up to tick " + consumed
                            + " were already consumed";
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i)) {
                long after = ledger.base(t0, i);
                Long replaced = lastReplacement(i, after, t0);
                if (replaced != null) {
                    pending.discard(t0, i); // the upstream's initial delta replaces what its fill showed
                    after = replaced - 1;
                }
                pending.fold(n + i, after, t0, t0);
                ledger.setDrained(i, t0);
            }
        }
        ledger.resume();
        ledger.forgetThrough(t0);
        for (int i = 0; i < n; i++) {
            pending.fold(i, t0 - 1, t0, t0);
        }
        return null;
    }

    /** Whether the downstream waits for a new fill (its upstream content is unknown to its operators). */
    String suspended() {
        return ledger.suspended();
    }

    void suspend(String why) {
        ledger.suspend(why);
    }

    /** The upstream that replaced its whole content at {@code tick} (filled anew), or null. */
    String replacedAt(long tick) {
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i) && ledger.upstreamInitial(tick, i)) {
                return table.sourceName(i);
            }
        }
        return null;
    }

    /** {@code tick} ran normally: its upstream deltas are consumed. */
    void ran(long tick) {
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i)) {
                ledger.setDrained(i, tick);
                ledger.forgetUpstreamEnds(tick, i);
            }
        }
    }

    /** {@code tick} was skipped: its end counts go, its upstream deltas and replacement marks stay for the next fill. */
    void skipped(long tick) {
        for (int i = 0; i < n; i++) {
            if (table.isUpstream(i)) {
                ledger.forgetUpstreamEnds(tick, i);
            }
        }
    }

    /** The newest upstream tick whose deltas this task used or dropped (at least the floor). */
    private long consumed(int source) {
        Long drained = ledger.drained(source);
        return Math.max(table.floor(), drained == null ? Long.MIN_VALUE : drained);
    }

    private Long lastReplacement(int source, long after, long upTo) {
        Long last = null;
        for (long t = after + 1; t <= upTo; t++) {
            if (ledger.upstreamInitial(t, source)) {
                last = t;
            }
        }
        return last;
    }
}
