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
    /** Why the next tick to complete cannot be trusted (a malformed record came before its end); null when none. */
    private String poison;
    /** Ticks at or below this were complete before the malformed record came, so it is not one of theirs. */
    private long poisonAfter;

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

    /**
     * A record of this topic could not be read. It may have belonged to any tick not complete yet (a lost row
     * or end marker), so the first tick to complete from now on is refused with {@code why} instead of being
     * applied without it: its stream table goes to ERROR, and only that stream table. Ticks complete already
     * ended on every partition before it, so they are not affected.
     */
    void poison(String why) {
        if (poison != null) {
            return; // the stream table goes to ERROR with the first; a refresh then fills it anew
        }
        poison = why;
        long complete = doneThrough;
        for (PendingTick t : pending.values()) {
            if (t.complete()) {
                complete = Math.max(complete, t.tick());
            }
        }
        poisonAfter = complete;
    }

    /** A batch of these ticks, carrying the reason to refuse it if it is the first to complete after a bad record. */
    TickBatch batch(List<PendingTick> ticks) {
        TickBatch b = TickBatch.of(ticks);
        return poison != null && b.firstTick() > poisonAfter ? b.refused(poison) : b;
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

    /** Whether a complete tick waiting here is a fill (which replaces whatever waits before it). */
    boolean hasCompleteFill() {
        return pending.values().stream().anyMatch(t -> t.initial() && t.complete());
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
            boolean suspect = poison != null && t.tick() > poisonAfter;
            if (run.size() >= max || !t.complete() || (!run.isEmpty() && (t.initial() || suspect))) {
                break;
            }
            run.add(t);
            if (suspect) {
                break; // refused alone (see poison)
            }
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
        if (done.refusal() != null) {
            poison = null;
        }
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
