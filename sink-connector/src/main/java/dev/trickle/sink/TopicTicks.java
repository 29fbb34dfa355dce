package dev.trickle.sink;

import dev.trickle.core.records.DeltaRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ticks of one delta topic that are being collected, in tick order.
 *
 * <p>Why a complete tick may drop earlier incomplete ones: a producer ends tick N on every partition
 * before it sends anything of N+1, so once tick M is complete, every earlier tick is complete too,
 * unless part of it was consumed before the last restart. That happens only to ticks that were
 * applied already: offsets are committed only up to the first record of an unapplied tick, so an
 * unapplied tick is always read again whole.
 */
final class TopicTicks {
    private final String topic;
    private final TreeMap<Long, PendingTick> pending = new TreeMap<>();
    /** Highest tick applied, skipped or discarded in this session: later records of it are left alone. */
    private long doneThrough = Long.MIN_VALUE;
    private int partitionsSeen;
    /** The stream table the end markers name; -1 before any. */
    private long streamTable = -1;

    TopicTicks(String topic) {
        this.topic = topic;
    }

    String topic() {
        return topic;
    }

    /** Whether a record of this tick can be ignored because the tick is finished. */
    boolean finished(long tick) {
        return tick <= doneThrough;
    }

    void add(int partition, long offset, DeltaRecord record) {
        PendingTick t = pending.computeIfAbsent(record.tick(), PendingTick::new);
        if (record instanceof DeltaRecord.Row row) {
            t.addRow(partition, offset, row);
        } else if (record instanceof DeltaRecord.End end) {
            t.addEnd(partition, offset, end);
            partitionsSeen = end.partitions();
            streamTable = end.streamTable();
        }
    }

    long streamTable() {
        return streamTable;
    }

    /** The lowest tick being collected, complete or not; null when none. */
    Long lowestPending() {
        return pending.isEmpty() ? null : pending.firstKey();
    }

    /** The lowest complete tick, or null when none is complete yet. */
    PendingTick nextComplete() {
        for (PendingTick t : pending.values()) {
            if (t.complete()) {
                return t;
            }
        }
        return null;
    }

    /**
     * The consecutive complete ticks from the lowest complete one on, at most {@code max}: what can be applied in
     * one transaction. Stops at the first tick still being collected, and before a later fill (a fill replaces
     * the content, so the ticks before it are not merged with it). Empty when no tick is complete.
     */
    List<PendingTick> completeRun(int max) {
        List<PendingTick> run = new ArrayList<>();
        PendingTick first = nextComplete();
        if (first == null) {
            return run;
        }
        for (PendingTick t : pending.tailMap(first.tick(), true).values()) {
            if (run.size() >= max || !t.complete() || (!run.isEmpty() && t.initial())) {
                break;
            }
            run.add(t);
        }
        return run;
    }

    /** Removes the ticks of a batch that is applied (or skipped) and the incomplete ticks before it; returns the latter. */
    List<PendingTick> finish(TickBatch done) {
        List<PendingTick> dropped = new ArrayList<>();
        for (Iterator<Map.Entry<Long, PendingTick>> it = pending.headMap(done.lastTick(), true).entrySet().iterator();
             it.hasNext(); ) {
            PendingTick t = it.next().getValue();
            if (!done.ticks().contains(t)) {
                dropped.add(t);
            }
            it.remove();
        }
        doneThrough = Math.max(doneThrough, done.lastTick());
        return dropped;
    }

    /** The first offset on this partition that belongs to a tick not yet applied, or null. */
    Long firstPendingOffset(int partition) {
        Long min = null;
        for (PendingTick t : pending.values()) {
            Long o = t.firstOffset(partition);
            if (o != null && (min == null || o < min)) {
                min = o;
            }
        }
        return min;
    }

    /** The partition count the latest end marker announced (0 before any). */
    int partitionsSeen() {
        return partitionsSeen;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }
}
