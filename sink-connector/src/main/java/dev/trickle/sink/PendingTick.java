package dev.trickle.sink;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One tick of one delta topic while it is being collected: its rows, already consolidated (a row that
 * arrives with +1 and -1 costs nothing), and which producers have ended it on which partitions.
 */
final class PendingTick {
    private final long tick;
    private final Map<List<String>, Long> weights = new LinkedHashMap<>();
    private final Map<Integer, BitSet> ended = new HashMap<>();
    /** Per partition, the first offset that belongs to this tick: what must be re-read if it is never applied. */
    private final Map<Integer, Long> firstOffsets = new HashMap<>();
    private DeltaRecord.End firstEnd;
    private boolean initial;
    private long tickMillis;
    private long rowRecords;
    /** The rows' weights, summed as magnitudes: what the engine emitted for the tick, before rows cancel. */
    private long rowsReceived;
    /** When the tick was first found complete (waiting for a worker from then on); 0 before. */
    private long queuedAtMillis;

    PendingTick(long tick) {
        this.tick = tick;
    }

    long tick() {
        return tick;
    }

    void addRow(int partition, long offset, DeltaRecord.Row row) {
        weights.merge(row.values(), row.weight(), Math::addExact);
        rowRecords++;
        rowsReceived += Math.abs(row.weight());
        firstOffsets.merge(partition, offset, Math::min);
    }

    /** Records one end marker; a marker that contradicts an earlier one of the same tick is refused whole. */
    void addEnd(int partition, long offset, DeltaRecord.End end) {
        checkConsistent(partition, end);
        if (firstEnd == null) {
            firstEnd = end;
        }
        ended.computeIfAbsent(partition, p -> new BitSet(end.producers())).set(end.producer());
        initial |= end.initial();
        tickMillis = Math.max(tickMillis, end.tickMillis());
        firstOffsets.merge(partition, offset, Math::min);
    }

    private void checkConsistent(int partition, DeltaRecord.End end) {
        if (end.producers() < 1 || end.producer() < 0 || end.producer() >= end.producers()) {
            throw new MalformedRecordException("end marker of tick " + tick + " names producer " + end.producer()
                    + " of " + end.producers());
        }
        if (end.partitions() < 1 || partition >= end.partitions()) {
            throw new MalformedRecordException("end marker of tick " + tick + " on partition " + partition
                    + " says the topic has " + end.partitions() + " partition(s)");
        }
        if (firstEnd != null && (firstEnd.streamTable() != end.streamTable()
                || firstEnd.producers() != end.producers() || firstEnd.partitions() != end.partitions())) {
            throw new MalformedRecordException("end marker of tick " + tick + " (stream table " + end.streamTable()
                    + ", " + end.producers() + " producer(s), " + end.partitions() + " partition(s)) contradicts an "
                    + "earlier one (stream table " + firstEnd.streamTable() + ", " + firstEnd.producers()
                    + " producer(s), " + firstEnd.partitions() + " partition(s))");
        }
    }

    /** Every producer has ended this tick on every partition. */
    boolean complete() {
        if (firstEnd == null) {
            return false;
        }
        for (int p = 0; p < firstEnd.partitions(); p++) {
            BitSet producers = ended.get(p);
            if (producers == null || producers.cardinality() < firstEnd.producers()) {
                return false;
            }
        }
        return true;
    }

    /** The stream table's id as the end markers name it (rows do not carry it); -1 before any marker. */
    long streamTable() {
        return firstEnd == null ? -1 : firstEnd.streamTable();
    }

    /** How many partitions the end markers say the topic has; 0 before any marker. */
    int partitions() {
        return firstEnd == null ? 0 : firstEnd.partitions();
    }

    boolean initial() {
        return initial;
    }

    long tickMillis() {
        return tickMillis;
    }

    long rowsReceived() {
        return rowsReceived;
    }

    long rowRecords() {
        return rowRecords;
    }

    /** Notes the first time the tick is found complete, and returns that time. */
    long queuedAt() {
        if (queuedAtMillis == 0) {
            queuedAtMillis = System.currentTimeMillis();
        }
        return queuedAtMillis;
    }

    Long firstOffset(int partition) {
        return firstOffsets.get(partition);
    }

    /** The consolidated delta: distinct value lists with their non-zero total weight, in arrival order. */
    List<Map.Entry<List<String>, Long>> delta() {
        List<Map.Entry<List<String>, Long>> out = new ArrayList<>(weights.size());
        for (Map.Entry<List<String>, Long> e : weights.entrySet()) {
            if (e.getValue() != 0) {
                out.add(e);
            }
        }
        return out;
    }
}
