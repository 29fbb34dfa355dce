package dev.trickle.streams.runtime;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Bytes;

/**
 * The gathered rows of ticks not yet drained, held in memory instead of a logged store: a row cost a store put and
 * a changelog record when it came and a delete and another changelog record at the drain; now it costs a map entry.
 * What makes this exactly-once is the gather topic itself: its records stay there after they are consumed (it is an
 * app-managed topic, which Kafka Streams does not purge; its retention is the broker's), and the {@link TickLedger},
 * which is changelogged with the task's other state, keeps per tick the offset of its first row held here. After a
 * restart, a rebalance or a crash, the task's committed position is the offset of the first record it processes;
 * the rows of the gather topic from the oldest such first offset up to that position are read again
 * ({@link TickBuffer#rebuild}) and those of ticks still held go back here, as the task had them when it committed.
 *
 * <p>Bounded: past {@link #maxBytes} (an initial fill gathered in one tick, ticks that never complete) a tick's
 * further rows go to the store, as before this class, and the ledger records the offset from which they did, so
 * that reading the topic again puts back here only what was here.
 *
 * <p>Rows are kept under the tick buffer's own keys without the record offset (version, tick, source, row) and
 * summed on arrival: a row and the row that cancels it in the same tick leave nothing.
 */
final class TickMemory {
    /** Per row: the key, a HashMap node, the weight's array and the wrapper (about this many bytes besides the key). */
    private static final int ENTRY_OVERHEAD = 112;
    private final Ledger ledger;
    private final long maxBytes;
    private final Map<Long, Map<Bytes, long[]>> byTick = new HashMap<>();
    /** Per tick held here: {first offset, offset from which its rows go to the store}, as in the ledger. */
    private final Map<Long, long[]> ranges = new HashMap<>();
    private long bytes;

    /** Where the offsets of the ticks held are kept: the app's {@link TickLedger} (a changelogged store). */
    interface Ledger {
        void setInMemory(long tick, long first, long spillAt);

        void forgetInMemory(long tick);

        SortedMap<Long, long[]> inMemory();
    }

    TickMemory(Ledger ledger, long maxBytes) {
        this.ledger = ledger;
        this.maxBytes = maxBytes;
        ranges.putAll(ledger.inMemory()); // after a restart: the rows themselves come back from the gather topic
    }

    /**
     * Takes the row read at {@code offset} (its key without the offset), or returns false: the tick's rows go to the
     * store from here on (memory is full, or was when an earlier row of the tick came).
     */
    boolean add(long tick, long offset, Bytes row, long weight) {
        long[] range = ranges.get(tick);
        if (range == null) {
            range = new long[] {offset, Long.MAX_VALUE};
            ranges.put(tick, range);
            if (bytes >= maxBytes) {
                range[1] = offset;
            }
            ledger.setInMemory(tick, range[0], range[1]);
        } else if (range[1] == Long.MAX_VALUE && bytes >= maxBytes) {
            range[1] = offset;
            ledger.setInMemory(tick, range[0], range[1]);
        }
        if (offset >= range[1]) {
            return false;
        }
        sum(tick, row, weight);
        return true;
    }

    /** Takes the row if the task held it when it committed: read again at {@code offset} of the gather topic. */
    boolean readAgain(long tick, long offset, Bytes row, long weight) {
        long[] range = ranges.get(tick);
        if (range == null || offset < range[0] || offset >= range[1]) {
            return false;
        }
        sum(tick, row, weight);
        return true;
    }

    /** The oldest first offset of a tick held here, or -1: where reading the topic again starts. */
    long firstOffset() {
        return ranges.values().stream().mapToLong(r -> r[0]).min().orElse(-1);
    }

    int ticks() {
        return ranges.size();
    }

    /** Hands the tick's rows (summed, none of weight 0) to {@code rows} and forgets the tick. */
    void take(long tick, BiConsumer<Bytes, Long> rows) {
        Map<Bytes, long[]> held = byTick.remove(tick);
        if (held != null) {
            held.forEach((row, w) -> {
                bytes -= row.get().length + ENTRY_OVERHEAD;
                rows.accept(row, w[0]);
            });
        }
        if (ranges.remove(tick) != null) {
            ledger.forgetInMemory(tick);
        }
    }

    /**
     * Removes the rows of ticks {@code ticks} accepts for which {@code rows} is true, handing each to
     * {@code removed}; a tick left without rows is forgotten. The callers remove every base source of a tick
     * within the processing of one record, so that no commit falls between them.
     */
    void remove(Predicate<Long> ticks, Predicate<Bytes> rows, BiConsumer<Bytes, Long> removed) {
        for (Iterator<Map.Entry<Long, long[]>> it = ranges.entrySet().iterator(); it.hasNext(); ) {
            long tick = it.next().getKey();
            if (!ticks.test(tick)) {
                continue;
            }
            Map<Bytes, long[]> held = byTick.getOrDefault(tick, Map.of());
            held.entrySet().removeIf(e -> {
                if (!rows.test(e.getKey())) {
                    return false;
                }
                bytes -= e.getKey().get().length + ENTRY_OVERHEAD;
                removed.accept(e.getKey(), e.getValue()[0]);
                return true;
            });
            if (held.isEmpty()) {
                byTick.remove(tick);
                it.remove();
                ledger.forgetInMemory(tick);
            }
        }
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Forgets every row and every tick (the stream table starts anew). */
    void clear() {
        for (long tick : ranges.keySet()) {
            ledger.forgetInMemory(tick);
        }
        ranges.clear();
        byTick.clear();
        bytes = 0;
    }

    private void sum(long tick, Bytes row, long weight) {
        Map<Bytes, long[]> held = byTick.computeIfAbsent(tick, t -> new HashMap<>());
        long[] w = held.get(row);
        if (w == null) {
            if (weight != 0) {
                held.put(row, new long[] {weight});
                bytes += row.get().length + ENTRY_OVERHEAD;
            }
        } else {
            w[0] = Math.addExact(w[0], weight);
            if (w[0] == 0) {
                held.remove(row);
                bytes -= row.get().length + ENTRY_OVERHEAD;
            }
        }
    }
}
