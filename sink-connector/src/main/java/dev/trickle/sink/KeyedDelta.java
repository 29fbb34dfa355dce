package dev.trickle.sink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A delta of a stream table applied by key, as the sink writes it into its temporary table: a key that leaves
 * with one row and comes back with another (a row whose non-key columns changed: most of a join's or an
 * aggregate's delta) becomes one update line, the new row with the old one beside it, which one UPDATE applies
 * (one index probe and one heap change per row, where a DELETE and an INSERT take two of each: issue 10's
 * session 14 measured it). Every other row stays a delete (weight &lt; 0) or an insert (weight &gt; 0), as before.
 *
 * <p>Exactness does not depend on the pairing: the UPDATE changes a stored row only when it equals the old row
 * whole (as the DELETE does), so a missing or different row still shows as a delete short. Only a key with
 * exactly one row of weight -1 and one of weight +1 and no NULL in it is paired; anything else (a delta that
 * repeats a key, which a diverged stream table or a broken delta may bring) goes the general way.
 */
final class KeyedDelta {
    /** Weight of an update line: neither the DELETE (weight &lt; 0) nor the INSERT (weight &gt; 0) reads it. */
    static final long UPDATE_WEIGHT = 0;

    /** One line of the temporary table: the values, their weight and, for an update, the old row (else null). */
    record Line(List<String> values, long weight, List<String> old) {
    }

    private final List<Line> lines;
    private final Set<Long> deleteNullPatterns;
    private final boolean inserts;
    private final boolean copies;
    private final long updates;

    private KeyedDelta(List<Line> lines, Set<Long> deleteNullPatterns, boolean inserts, boolean copies, long updates) {
        this.lines = lines;
        this.deleteNullPatterns = deleteNullPatterns;
        this.inserts = inserts;
        this.copies = copies;
        this.updates = updates;
    }

    /** The delta with its pairs found; no pairs where every column is a key column (a pair would be one row). */
    static KeyedDelta of(StreamTableShape st, List<Map.Entry<List<String>, Long>> delta) {
        List<Integer> key = st.key();
        boolean pairable = key.size() < st.columns().size();
        Map<List<String>, List<String>> leaving = new HashMap<>();
        Map<List<String>, List<String>> coming = new HashMap<>();
        Set<List<String>> repeated = new HashSet<>();
        // each row's key, made once (null: not a candidate)
        List<List<String>> keys = new ArrayList<>(pairable ? delta.size() : 0);
        if (pairable) {
            for (Map.Entry<List<String>, Long> e : delta) {
                long w = e.getValue();
                List<String> k = w == -1 || w == 1 ? keyOf(key, e.getKey()) : null;
                keys.add(k);
                if (k != null && (w < 0 ? leaving : coming).putIfAbsent(k, e.getKey()) != null) {
                    repeated.add(k);
                }
            }
        }
        List<Line> lines = new ArrayList<>(delta.size());
        Set<Long> patterns = new HashSet<>();
        boolean inserts = false;
        boolean copies = false;
        long updates = 0;
        for (int i = 0; i < delta.size(); i++) {
            Map.Entry<List<String>, Long> e = delta.get(i);
            long w = e.getValue();
            List<String> k = pairable ? keys.get(i) : null;
            boolean paired = k != null && !repeated.contains(k) && leaving.containsKey(k) && coming.containsKey(k);
            if (paired) {
                if (w > 0) {
                    lines.add(new Line(e.getKey(), UPDATE_WEIGHT, leaving.get(k)));
                    updates++;
                }
                continue; // the leaving row goes with its partner
            }
            lines.add(new Line(e.getKey(), w, null));
            if (w < 0) {
                patterns.add(nullPattern(key, e.getKey()));
            } else {
                inserts = true;
                copies |= w > 1;
            }
        }
        return new KeyedDelta(lines, patterns, inserts, copies, updates);
    }

    /** The key's values, or null when one of them is NULL (such keys are not paired: see the class comment). */
    private static List<String> keyOf(List<Integer> key, List<String> row) {
        List<String> k = new ArrayList<>(key.size());
        for (int i : key) {
            String v = row.get(i);
            if (v == null) {
                return null;
            }
            k.add(v);
        }
        return k;
    }

    /** Bit i set: key column i is NULL in the row (see {@link DeltaSql#deleteByKey}). */
    private static long nullPattern(List<Integer> key, List<String> row) {
        long pattern = 0;
        for (int i = 0; i < key.size(); i++) {
            pattern |= row.get(key.get(i)) == null ? 1L << i : 0;
        }
        return pattern;
    }

    List<Line> lines() {
        return lines;
    }

    /** The patterns of NULL key columns among the rows to delete (empty: nothing to delete). */
    Set<Long> deleteNullPatterns() {
        return deleteNullPatterns;
    }

    /** Some rows are inserted (not counting updates). */
    boolean inserts() {
        return inserts;
    }

    /** Some row is inserted more than once (weight &gt; 1). */
    boolean copies() {
        return copies;
    }

    /** How many update lines there are. */
    long updates() {
        return updates;
    }
}
