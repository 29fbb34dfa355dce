package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>A side whose join key is its unique key ({@link #keyed}: a dimension joined on its primary key) holds at most
 * one row per key: it is kept under the key alone, {@code <key> → <weight><matches><row>}, so that finding a
 * row's partner is a point read rather than a prefix scan (on RocksDB an iterator opened, sought and closed: about
 * twice the cost). Such a side is a set, so its changes have weight 1 or -1, and a tick's delete of a key's row is
 * applied before the insert of its new row ({@link IndexedJoin} orders them).
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
    private final boolean keyed;

    /**
     * @param distinct whether the side's input is a set at every tick (it has a unique key): a row then comes in
     *                 with weight 1 only when it is not stored and goes with weight -1 only when stored once, so
     *                 its stored weight need not be read first
     */
    SideIndex(OperatorState.KeyValueState store, boolean countsMatches, boolean distinct) {
        this(store, countsMatches, distinct, false);
    }

    /** @param keyed whether the side holds at most one row per join key, and is stored by key alone (see above) */
    SideIndex(OperatorState.KeyValueState store, boolean countsMatches, boolean distinct, boolean keyed) {
        this.store = store;
        this.countsMatches = countsMatches;
        this.distinct = distinct || keyed;
        this.keyed = keyed;
    }

    boolean keyed() {
        return keyed;
    }

    boolean countsMatches() {
        return countsMatches;
    }

    /** The rows stored under {@code key} (the other side's join partners of a row with that key). */
    List<Entry> rows(byte[] key) {
        if (keyed) {
            byte[] v = store.get(key);
            return v == null ? List.of() : List.of(keyedEntry(key, v));
        }
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
        if (keyed) {
            addKeyed(key, row, weight, matches);
            return;
        }
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
        if (keyed) {
            putKeyed(entry.storeKey(), entry.row(), entry.weight(), matches);
        } else {
            put(entry.storeKey(), entry.weight(), matches);
        }
    }

    /**
     * Moves into this index the rows of this side that {@code old} holds in the other layout (keyed or not, see
     * above; {@code keyParts} is the number of texts in a join key), emptying it: state an earlier version wrote
     * before the side was found to be keyed, or written keyed before the side stopped being so (its unique key
     * gone). Returns the number of rows moved.
     */
    long moveFrom(OperatorState.KeyValueState old, int keyParts) {
        List<Map.Entry<byte[], byte[]>> stored = old.prefix(new byte[0]);
        for (Map.Entry<byte[], byte[]> e : stored) {
            byte[] k = e.getKey();
            byte[] key;
            Entry was;
            if (keyed) {
                ByteReader in = new ByteReader(k);
                for (int i = 0; i < keyParts; i++) {
                    in.readKeyText();
                }
                key = Arrays.copyOf(k, in.position());
                was = entry(k, RowCodec.read(in), e.getValue());
                if (store.get(key) != null) {
                    throw new IllegalStateException("two rows of a join input are stored under one key although the "
                            + "input's join key is its unique key: " + was.row());
                }
                putKeyed(key, was.row(), was.weight(), was.matches());
            } else {
                was = keyedEntry(k, e.getValue());
                ByteWriter row = new ByteWriter(k.length + 8 + 12 * was.row().size()).writeBytes(k);
                RowCodec.write(row, was.row());
                put(row.toByteArray(), was.weight(), was.matches());
            }
            old.delete(k);
        }
        return stored.size();
    }

    /** A keyed side's change: a set's, so its row is inserted (weight 1) or deleted (weight -1). */
    private void addKeyed(byte[] key, List<String> row, long weight, long matches) {
        if (weight == 1) {
            putKeyed(key, row, 1, matches);
        } else if (weight == -1) {
            store.delete(key);
        } else if (weight != 0) {
            // not a set after all: a bug in the planner's unique keys, which must not pass unnoticed
            throw new IllegalStateException("a join input whose join key is its unique key changed a row with weight "
                    + weight + ": " + row);
        }
    }

    private void putKeyed(byte[] key, List<String> row, long weight, long matches) {
        if (weight == 0) {
            store.delete(key);
            return;
        }
        ByteWriter v = new ByteWriter(20 + 12 * row.size()).writeSignedVarint(weight).writeSignedVarint(matches);
        RowCodec.write(v, row);
        store.put(key, v.toByteArray());
    }

    private static Entry keyedEntry(byte[] key, byte[] value) {
        ByteReader in = new ByteReader(value);
        long weight = in.readSignedVarint();
        long matches = in.readSignedVarint();
        return new Entry(key, RowCodec.read(in), weight, matches);
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
