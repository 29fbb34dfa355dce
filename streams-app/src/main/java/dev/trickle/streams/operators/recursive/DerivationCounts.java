package dev.trickle.streams.operators.recursive;

import dev.trickle.streams.operators.OperatorState.KeyValueState;
import dev.trickle.streams.operators.aggregate.Codec;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.plan.ZSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A UNION recursive CTE's rows during one tick: per distinct row (PostgreSQL's equality) the number of its
 * derivations and whether it is in the CTE's result, read from the state store on first touch and written
 * back by {@link #commit}. At the end of each tick a row is in the result exactly when it has a derivation,
 * so the store keeps only the count (and the text the row is shown as). Only touched rows are read.
 */
final class DerivationCounts {
    private final KeyValueState store;
    private final ValueEquality equality;
    private final Map<String, Row> touched = new LinkedHashMap<>();

    DerivationCounts(KeyValueState store, ValueEquality equality) {
        this.store = store;
        this.equality = equality;
    }

    /** One distinct row. */
    static final class Row {
        final String key;
        long count;
        boolean in;
        /** The text fed to the recursive term and shown in the result while the row is in it. */
        List<String> shown;
        private final boolean wasIn;
        private final long wasCount;
        private final List<String> wasShown;
        /** The text of the latest derivation seen this tick: the row's text when it (re-)enters. */
        private List<String> latest;

        private Row(String key, long count, List<String> shown) {
            this.key = key;
            this.count = count;
            this.shown = shown;
            this.in = count > 0;
            this.wasIn = in;
            this.wasCount = count;
            this.wasShown = shown;
        }

        void enter() {
            in = true;
            if (latest != null) {
                shown = latest;
            }
        }
    }

    private Row row(List<String> values) {
        String key = Codec.encode(equality.canonical(values));
        return touched.computeIfAbsent(key, k -> {
            String saved = store.get(k);
            if (saved == null) {
                return new Row(k, 0, null);
            }
            List<String> f = Codec.decode(saved);
            return new Row(k, Long.parseLong(f.get(0)), Codec.decode(f.get(1)));
        });
    }

    /** Adds derivations gained (positive weights) and lost (negative). */
    void count(ZSet<List<String>> derivations) {
        derivations.forEach((values, w) -> {
            Row r = row(values);
            r.count += w;
            if (w > 0) {
                r.latest = values;
            }
        });
    }

    /** The rows of the result that lost a derivation in {@code derivations}. */
    List<Row> lostMembers(ZSet<List<String>> derivations) {
        List<Row> out = new ArrayList<>();
        derivations.forEach((values, w) -> {
            Row r = row(values);
            if (r.in && w < 0) {
                out.add(r);
            }
        });
        return out;
    }

    /** Every touched row outside the result that has a derivation. */
    List<Row> supportedOutside() {
        List<Row> out = new ArrayList<>();
        for (Row r : touched.values()) {
            if (!r.in && r.count > 0) {
                out.add(r);
            }
        }
        return out;
    }

    /** The rows of {@code derivations} outside the result that have a derivation. */
    List<Row> supportedOutside(ZSet<List<String>> derivations) {
        Set<Row> out = new LinkedHashSet<>();
        derivations.forEach((values, w) -> {
            Row r = row(values);
            if (!r.in && r.count > 0) {
                out.add(r);
            }
        });
        return new ArrayList<>(out);
    }

    /** Writes the touched rows back; returns the change of the result. */
    ZSet<List<String>> commit() {
        ZSet<List<String>> out = new ZSet<>();
        for (Row r : touched.values()) {
            if (r.count < 0 || r.in != r.count > 0) {
                throw new IllegalStateException("recursive CTE row " + r.shown + " has " + r.count
                        + " derivations but is " + (r.in ? "in" : "not in") + " the result");
            }
            if (r.wasIn && !(r.in && r.shown.equals(r.wasShown))) {
                out.add(r.wasShown, -1);
            }
            if (r.in && !(r.wasIn && r.shown.equals(r.wasShown))) {
                out.add(r.shown, 1);
            }
            if (r.count == 0) {
                store.delete(r.key);
            } else if (r.count != r.wasCount || r.shown != r.wasShown) {
                store.put(r.key, Codec.encode(Long.toString(r.count), Codec.encode(r.shown)));
            }
        }
        return out;
    }
}
