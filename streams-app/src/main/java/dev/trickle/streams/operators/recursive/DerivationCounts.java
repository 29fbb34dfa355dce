package dev.trickle.streams.operators.recursive;

import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.aggregate.Codec;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.operators.aggregate.WrittenForms;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A UNION recursive CTE's rows during one tick: per distinct row (PostgreSQL's equality) the number of its
 * derivations and whether it is in the CTE's result, read from the state store on first touch and written
 * back by {@link #commit}. At the end of each tick a row is in the result exactly when it has a derivation,
 * so the store keeps only the count; only touched rows are read.
 *
 * <p>Where equal values can be written differently (numeric {@code 1.5} and {@code 1.50}), the derivations
 * are counted per written form, and a row entering the result shows the first form seen that a derivation
 * still carries (PostgreSQL shows the first it derives). A row that loses a derivation leaves and re-enters
 * within the tick, so the form it shows is always one some derivation carries.
 */
final class DerivationCounts {
    private final TextState store;
    private final ValueEquality equality;
    private final boolean tracksForms;
    private final Map<String, Row> touched = new LinkedHashMap<>();

    DerivationCounts(TextState store, ValueEquality equality) {
        this.store = store;
        this.equality = equality;
        this.tracksForms = equality.anyNormalized();
    }

    /** One distinct row. */
    static final class Row {
        private final String key;
        private final String saved;
        private final boolean wasIn;
        private final List<String> wasShown;
        /** Derivations per written form (only where values can be written differently). */
        private final WrittenForms forms;
        long count;
        boolean in;
        /** The text fed to the recursive term and shown in the result while the row is in it. */
        List<String> shown;

        private Row(String key, String saved, long count, List<String> shown, WrittenForms forms) {
            this.key = key;
            this.saved = saved;
            this.count = count;
            this.shown = shown;
            this.forms = forms;
            this.in = count > 0;
            this.wasIn = in;
            this.wasShown = shown;
        }

        void enter() {
            in = true;
            shown = forms == null ? Codec.decode(key) : Codec.decode(forms.shown());
        }

        private String encode() {
            return forms == null ? Codec.encode(Long.toString(count))
                    : Codec.encode(Long.toString(count), Codec.encode(shown), forms.encode());
        }
    }

    private Row row(List<String> values) {
        String key = Codec.encode(equality.canonical(values));
        return touched.computeIfAbsent(key, k -> {
            String saved = store.get(k);
            if (saved == null) {
                return new Row(k, null, 0, null, tracksForms ? new WrittenForms() : null);
            }
            List<String> f = Codec.decode(saved);
            return tracksForms
                    ? new Row(k, saved, Long.parseLong(f.get(0)), Codec.decode(f.get(1)), WrittenForms.decode(f.get(2)))
                    : new Row(k, saved, Long.parseLong(f.get(0)), Codec.decode(k), null);
        });
    }

    /** Adds derivations gained (positive weights) and lost (negative). */
    void count(ZSet<List<String>> derivations) {
        derivations.forEach((values, w) -> {
            Row r = row(values);
            r.count += w;
            if (r.forms != null) {
                r.forms.count(Codec.encode(values), w);
            }
        });
    }

    /** The rows of the result that lost a derivation in {@code derivations}. */
    List<Row> lostMembers(ZSet<List<String>> derivations) {
        Set<Row> out = new LinkedHashSet<>();
        derivations.forEach((values, w) -> {
            Row r = row(values);
            if (r.in && w < 0) {
                out.add(r);
            }
        });
        return new ArrayList<>(out);
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
                throw new IllegalStateException("recursive CTE row " + Codec.decode(r.key) + " has " + r.count
                        + " derivations but is " + (r.in ? "in" : "not in") + " the result");
            }
            boolean same = r.wasIn && r.in && Objects.equals(r.shown, r.wasShown);
            if (r.wasIn && !same) {
                out.add(r.wasShown, -1);
            }
            if (r.in && !same) {
                out.add(r.shown, 1);
            }
            if (r.count == 0) {
                if (r.saved != null) {
                    store.delete(r.key);
                }
            } else {
                String encoded = r.encode();
                if (!encoded.equals(r.saved)) {
                    store.put(r.key, encoded);
                }
            }
        }
        return out;
    }
}
