package dev.trickle.streams.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The tick bookkeeping of one stream table's task, kept in its meta store (changelogged, so it survives
 * a restart): which end markers of which tick have arrived from each source, which ticks carry an initial
 * fill, and, for the upstream stream tables a gathered one reads, their fills' base ticks, what was
 * consumed, whether the stream table is suspended, and which gather topic offsets hold the rows of ticks in
 * progress that the tick buffer keeps in memory ({@link TickMemory}). This class alone knows how the entries are
 * spelled ({@code ends|<tick>|<source>} → {@code <seen>/<expected>}, ...), so that the processors say
 * what they record. {@link FillTracker}'s two entries ({@code init}, {@code failed}) share the store.
 *
 * <p>Ticks in keys are fixed-width decimals ({@link TickBuffer#tickKey}), so that entries sort by tick
 * and {@link #forgetThrough} drops the old ones with range scans.
 */
final class TickLedger implements TickMemory.Ledger {
    private static final String ENDS = "ends|";
    private static final String UPSTREAM_ENDS = "dends|";
    private static final String ENDED = "ended|";
    private static final String INITIAL = "initial|";
    private static final String UPSTREAM_INITIAL = "dinit|";
    private static final String BASE = "base|";
    private static final String DRAINED = "drained|";
    private static final String SUSPENDED = "suspended";
    private static final String IN_MEMORY = "memory|";
    private final KeyValueStore<String, String> meta;

    TickLedger(KeyValueStore<String, String> meta) {
        this.meta = meta;
    }

    /** A gathered stream table: one more of the {@code expected} end markers of a source's tick arrived. */
    void countEnd(long tick, int source, int expected) {
        count(key(ENDS, tick, source), expected);
    }

    boolean endsComplete(long tick, int source) {
        return complete(meta.get(key(ENDS, tick, source)));
    }

    void forgetEnds(long tick, int source) {
        meta.delete(key(ENDS, tick, source));
    }

    /** An upstream's delta: one more of its {@code expected} end markers (producers × partitions) arrived. */
    void countUpstreamEnd(long tick, int source, int expected) {
        count(key(UPSTREAM_ENDS, tick, source), expected);
    }

    boolean upstreamEndsComplete(long tick, int source) {
        return complete(meta.get(key(UPSTREAM_ENDS, tick, source)));
    }

    void forgetUpstreamEnds(long tick, int source) {
        meta.delete(key(UPSTREAM_ENDS, tick, source));
    }

    /** A stateless stream table's task: the source ended the tick on this partition. */
    void markEnded(long tick, int source) {
        meta.put(key(ENDED, tick, source), "1");
    }

    boolean ended(long tick, int source) {
        return meta.get(key(ENDED, tick, source)) != null;
    }

    void forgetEnded(long tick, int source) {
        meta.delete(key(ENDED, tick, source));
    }

    /** The tick carries the stream table's initial fill. */
    void markInitial(long tick) {
        meta.put(INITIAL + TickBuffer.tickKey(tick), "1");
    }

    /** Whether the tick carries an initial fill; the mark goes (the tick is about to run). */
    boolean takeInitial(long tick) {
        String key = INITIAL + TickBuffer.tickKey(tick);
        boolean initial = meta.get(key) != null;
        meta.delete(key);
        return initial;
    }

    /** The upstream's delta of the tick is an initial one (it was filled anew): it replaces its content. */
    void markUpstreamInitial(long tick, int source) {
        meta.put(key(UPSTREAM_INITIAL, tick, source), "1");
    }

    boolean upstreamInitial(long tick, int source) {
        return meta.get(key(UPSTREAM_INITIAL, tick, source)) != null;
    }

    /** The fill at {@code tick} shows upstream {@code source} as of its tick {@code upstreamTick}. */
    void setBase(long tick, int source, long upstreamTick) {
        meta.put(key(BASE, tick, source), Long.toString(upstreamTick));
    }

    Long base(long tick, int source) {
        String v = meta.get(key(BASE, tick, source));
        return v == null ? null : Long.valueOf(v);
    }

    /** The newest upstream tick whose deltas were used or dropped. */
    void setDrained(int source, long tick) {
        meta.put(DRAINED + source, Long.toString(tick));
    }

    Long drained(int source) {
        String v = meta.get(DRAINED + source);
        return v == null ? null : Long.valueOf(v);
    }

    /** Why the stream table waits for its own new fill, or null. */
    String suspended() {
        return meta.get(SUSPENDED);
    }

    void suspend(String why) {
        meta.put(SUSPENDED, why);
    }

    void resume() {
        meta.delete(SUSPENDED);
    }

    /**
     * A fill at {@code t0} makes every per-tick entry at or below it moot: end counts (also of ticks that
     * never completed, e.g. of an upstream that stopped emitting before its own new fill), initial marks
     * and base ticks.
     */
    void forgetThrough(long t0) {
        for (String kind : List.of(UPSTREAM_ENDS, UPSTREAM_INITIAL, BASE, ENDS, INITIAL)) {
            List<String> keys = new ArrayList<>();
            // "}" sorts right after "|": the upper bound takes every entry of tick t0 and none after it
            try (KeyValueIterator<String, String> it = meta.range(kind + TickBuffer.tickKey(0),
                    kind + TickBuffer.tickKey(t0) + "}")) {
                it.forEachRemaining(kv -> keys.add(kv.key));
            }
            keys.forEach(meta::delete);
        }
    }

    /**
     * The gather topic offsets of a tick's rows that the tick buffer holds in memory ({@link TickMemory}): from the
     * first such row, up to (not including) the offset at which the tick's rows started to go to the store instead
     * ({@code Long.MAX_VALUE} while they have not). One entry per tick, written when it changes.
     */
    @Override
    public void setInMemory(long tick, long first, long spillAt) {
        meta.put(IN_MEMORY + TickBuffer.tickKey(tick), first + "," + spillAt);
    }

    @Override
    public void forgetInMemory(long tick) {
        meta.delete(IN_MEMORY + TickBuffer.tickKey(tick));
    }

    /** Every tick with rows in memory, in tick order, as {@code {first, spillAt}}. */
    @Override
    public SortedMap<Long, long[]> inMemory() {
        SortedMap<Long, long[]> ticks = new TreeMap<>();
        try (KeyValueIterator<String, String> it = meta.range(IN_MEMORY, IN_MEMORY.replace('|', '}'))) {
            it.forEachRemaining(kv -> {
                int comma = kv.value.indexOf(',');
                ticks.put(Long.parseLong(kv.key.substring(IN_MEMORY.length())), new long[] {
                        Long.parseLong(kv.value.substring(0, comma)), Long.parseLong(kv.value.substring(comma + 1))});
            });
        }
        return ticks;
    }

    private void count(String key, int expected) {
        String seen = meta.get(key);
        int count = seen == null ? 0 : Integer.parseInt(seen.substring(0, seen.indexOf('/')));
        meta.put(key, (count + 1) + "/" + expected);
    }

    private static boolean complete(String counted) {
        if (counted == null) {
            return false;
        }
        int slash = counted.indexOf('/');
        return Integer.parseInt(counted.substring(0, slash)) >= Integer.parseInt(counted.substring(slash + 1));
    }

    private static String key(String kind, long tick, int source) {
        return kind + TickBuffer.tickKey(tick) + "|" + source;
    }
}
