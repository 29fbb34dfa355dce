package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One input of a join, indexed by join key in a state store: one entry per distinct row,
 * {@code <key><row> → <weight>}, the key as {@link JoinCondition} encodes it (prefix-free) and the row in
 * {@link RowCodec}'s form, so that a prefix scan of {@code <key>} yields the rows a changed row of the other
 * input may pair with, each decoded once. A side whose unmatched rows show in the output (the preserved side
 * of an outer join, the left of a semi or anti join) also keeps, per row, how many rows of the other side it
 * matches ({@code <weight><matches>}), so that a change of the other side tells which rows stop or start being
 * unmatched without pairing them with all their partners again.
 *
 * <p>Entries whose weight reaches zero are deleted: the state holds exactly the live rows.
 */
final class SideIndex {
    /** A stored row: its weight, and its number of matches (0 when the side does not count them). */
    record Entry(byte[] storeKey, List<String> row, long weight, long matches) {
    }

    private final OperatorState.KeyValueState store;
    private final boolean countsMatches;
    private final boolean distinct;

    /**
     * @param distinct whether the side's input is a set at every tick (it has a unique key): a row then comes in
     *                 with weight 1 only when it is not stored and goes with weight -1 only when stored once, so
     *                 its stored weight need not be read first
     */
    SideIndex(OperatorState.KeyValueState store, boolean countsMatches, boolean distinct) {
        this.store = store;
        this.countsMatches = countsMatches;
        this.distinct = distinct;
    }

    boolean countsMatches() {
        return countsMatches;
    }

    /** The rows stored under {@code key} (the other side's join partners of a row with that key). */
    List<Entry> rows(byte[] key) {
        List<Map.Entry<byte[], byte[]>> stored = store.prefix(key);
        List<Entry> out = new ArrayList<>(stored.size());
        for (Map.Entry<byte[], byte[]> e : stored) {
            byte[] k = e.getKey();
            out.add(entry(k, RowCodec.read(new ByteReader(k, key.length, k.length)), e.getValue()));
        }
        return out;
    }

    /** Adds {@code weight} copies of {@code row} (negative: removes), recording its current number of matches. */
    void add(byte[] key, List<String> row, long weight, long matches) {
        ByteWriter k = new ByteWriter(key.length + 8 + 12 * row.size()).writeBytes(key);
        RowCodec.write(k, row);
        byte[] storeKey = k.toByteArray();
        if (distinct && (weight == 1 || weight == -1)) {
            // a set's row is stored once or not at all: an insert stores it, a delete removes it (a weight of 2
            // would mean two input rows print alike, and takes the read below)
            put(storeKey, weight == 1 ? 1 : 0, matches);
            return;
        }
        byte[] old = store.get(storeKey);
        long total = Math.addExact(old == null ? 0 : new ByteReader(old).readSignedVarint(), weight);
        put(storeKey, total, matches);
    }

    /** Records a stored row's new number of matches (its weight unchanged). */
    void updateMatches(Entry entry, long matches) {
        put(entry.storeKey(), entry.weight(), matches);
    }

    private void put(byte[] storeKey, long weight, long matches) {
        if (weight == 0) {
            store.delete(storeKey);
        } else {
            ByteWriter v = new ByteWriter(countsMatches ? 20 : 10).writeSignedVarint(weight);
            if (countsMatches) {
                v.writeSignedVarint(matches);
            }
            store.put(storeKey, v.toByteArray());
        }
    }

    private static Entry entry(byte[] storeKey, List<String> row, byte[] value) {
        ByteReader in = new ByteReader(value);
        long weight = in.readSignedVarint();
        return new Entry(storeKey, row, weight, in.hasMore() ? in.readSignedVarint() : 0);
    }
}
