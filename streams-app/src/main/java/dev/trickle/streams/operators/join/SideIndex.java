package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.OperatorState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One input of a join, indexed by join key in a state store: one entry per distinct row,
 * {@code <key>|<row> → <weight>}, so that a prefix scan of {@code <key>|} yields the rows a changed row of
 * the other input may pair with. A side whose unmatched rows show in the output (the preserved side of an
 * outer join, the left of a semi or anti join) also keeps, per row, how many rows of the other side it
 * matches ({@code <weight>:<matches>}), so that a change of the other side tells which rows stop or start
 * being unmatched without pairing them with all their partners again.
 *
 * <p>Entries whose weight reaches zero are deleted: the state holds exactly the live rows.
 */
final class SideIndex {
    /** A stored row: its weight, and its number of matches (0 when the side does not count them). */
    record Entry(String storeKey, List<String> row, long weight, long matches) {
    }

    private static final char SEPARATOR = '|';

    private final OperatorState.KeyValueState store;
    private final boolean countsMatches;

    SideIndex(OperatorState.KeyValueState store, boolean countsMatches) {
        this.store = store;
        this.countsMatches = countsMatches;
    }

    boolean countsMatches() {
        return countsMatches;
    }

    /** The rows stored under {@code key} (the other side's join partners of a row with that key). */
    List<Entry> rows(String key) {
        String prefix = key + SEPARATOR;
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, String> e : store.prefix(prefix)) {
            out.add(entry(e.getKey(), RowCodec.decode(e.getKey(), prefix.length()), e.getValue()));
        }
        return out;
    }

    /** Adds {@code weight} copies of {@code row} (negative: removes), recording its current number of matches. */
    void add(String key, List<String> row, long weight, long matches) {
        String storeKey = key + SEPARATOR + RowCodec.encode(row);
        String old = store.get(storeKey);
        long total = Math.addExact(old == null ? 0 : entry(storeKey, row, old).weight(), weight);
        put(storeKey, total, matches);
    }

    /** Records a stored row's new number of matches (its weight unchanged). */
    void updateMatches(Entry entry, long matches) {
        put(entry.storeKey(), entry.weight(), matches);
    }

    private void put(String storeKey, long weight, long matches) {
        if (weight == 0) {
            store.delete(storeKey);
        } else {
            store.put(storeKey, countsMatches ? weight + ":" + matches : Long.toString(weight));
        }
    }

    private static Entry entry(String storeKey, List<String> row, String value) {
        int colon = value.indexOf(':');
        if (colon < 0) {
            return new Entry(storeKey, row, Long.parseLong(value), 0);
        }
        return new Entry(storeKey, row, Long.parseLong(value, 0, colon, 10),
                Long.parseLong(value, colon + 1, value.length(), 10));
    }
}
