package dev.trickle.streams.operators.setop;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.aggregate.Codec;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.operators.aggregate.WrittenForms;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * UNION, INTERSECT [ALL] and EXCEPT [ALL] with PostgreSQL's multiset semantics, over any number of inputs
 * (Calcite merges {@code a EXCEPT b EXCEPT c}). Per distinct row (rows are equal as PostgreSQL's DISTINCT
 * compares them, NULLs included: {@link ValueEquality}) it keeps how many copies each input holds and how
 * many it emitted; a tick touches only the rows that changed and emits the difference in multiplicity:
 * UNION 1 if any input has it; INTERSECT 1 if all do, ALL the least count; EXCEPT 1 if the first input has
 * it and no other, ALL the first count minus the others' (at least 0). A row no input holds is forgotten.
 */
public final class SetOpOperator implements Operator {
    public enum Kind { UNION, INTERSECT, EXCEPT }

    private final Kind kind;
    private final boolean all;
    private final int arity;
    private final ValueEquality equality;
    private final boolean tracksForms;

    public SetOpOperator(Kind kind, boolean all, int arity, List<PgType> columnTypes) {
        if (kind == Kind.UNION && all) {
            throw new IllegalArgumentException("UNION ALL is " + UnionAllOperator.class.getSimpleName());
        }
        this.kind = kind;
        this.all = all;
        this.arity = arity;
        this.equality = new ValueEquality(columnTypes);
        this.tracksForms = equality.anyNormalized();
    }

    @Override
    public int arity() {
        return arity;
    }

    @Override
    public boolean isStateful() {
        return true;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) {
        // each touched distinct row: its changed written forms per input, first input first
        Map<String, List<Change>> touched = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            for (Map.Entry<List<String>, Long> e : inputs.get(i).asMap().entrySet()) {
                String key = Codec.encode(equality.canonical(e.getKey()));
                touched.computeIfAbsent(key, k -> new ArrayList<>()).add(new Change(i, e.getKey(), e.getValue()));
            }
        }
        TextState rows = TextState.of(state.store("rows"));
        ZSet<List<String>> out = new ZSet<>();
        for (Map.Entry<String, List<Change>> t : touched.entrySet()) {
            update(rows, t.getKey(), t.getValue(), out);
        }
        return out;
    }

    private record Change(int input, List<String> row, long weight) {
    }

    private void update(TextState rows, String key, List<Change> changes, ZSet<List<String>> out) {
        RowState s = RowState.decode(rows.get(key), arity);
        if (!tracksForms && s.emitted > 0) {
            // the key is the row's text when every value has one text: not stored twice
            s.shown = Codec.decode(key);
        }
        for (Change c : changes) {
            s.counts[c.input()] += c.weight();
            if (s.counts[c.input()] < 0) {
                throw new IllegalStateException("more copies deleted than inserted of " + c.row());
            }
            // PostgreSQL shows a row as its first input has it (UNION: as the first input holding it)
            if (tracksForms && (kind == Kind.UNION || c.input() == 0)) {
                s.forms.count(Codec.encode(c.row()), c.weight());
            }
        }
        long multiplicity = multiplicity(s.counts);
        List<String> shown = multiplicity == 0 ? null
                : tracksForms ? Codec.decode(s.forms.shown()) : Codec.decode(key);
        if (multiplicity != s.emitted || (shown != null && !shown.equals(s.shown))) {
            if (s.emitted > 0) {
                out.add(s.shown, -s.emitted);
            }
            if (multiplicity > 0) {
                out.add(shown, multiplicity);
            }
        }
        s.emitted = multiplicity;
        s.shown = tracksForms ? shown : null;
        boolean empty = true;
        for (long c : s.counts) {
            empty &= c == 0;
        }
        if (empty) {
            rows.delete(key);
        } else {
            rows.put(key, s.encode());
        }
    }

    private long multiplicity(long[] counts) {
        long first = counts[0];
        long min = first;
        long others = 0;
        boolean any = false;
        for (int i = 0; i < counts.length; i++) {
            min = Math.min(min, counts[i]);
            any |= counts[i] > 0;
            others += i > 0 ? counts[i] : 0;
        }
        return switch (kind) {
            case UNION -> any ? 1 : 0;
            case INTERSECT -> all ? min : min > 0 ? 1 : 0;
            case EXCEPT -> all ? Math.max(first - others, 0) : first > 0 && others == 0 ? 1 : 0;
        };
    }

    /** Per distinct row: each input's copies, what was emitted (how many, as which text), the written forms. */
    private static final class RowState {
        final long[] counts;
        long emitted;
        List<String> shown;
        WrittenForms forms = new WrittenForms();

        RowState(int arity) {
            this.counts = new long[arity];
        }

        static RowState decode(String saved, int arity) {
            RowState s = new RowState(arity);
            if (saved != null) {
                List<String> f = Codec.decode(saved);
                for (int i = 0; i < arity; i++) {
                    s.counts[i] = Long.parseLong(f.get(i));
                }
                s.emitted = Long.parseLong(f.get(arity));
                s.shown = f.get(arity + 1) == null ? null : Codec.decode(f.get(arity + 1));
                s.forms = WrittenForms.decode(f.get(arity + 2));
            }
            return s;
        }

        String encode() {
            List<String> f = new ArrayList<>();
            for (long c : counts) {
                f.add(Long.toString(c));
            }
            f.add(Long.toString(emitted));
            f.add(shown == null ? null : Codec.encode(shown));
            f.add(forms.encode());
            return Codec.encode(f);
        }
    }

    @Override
    public String describe() {
        return (kind == Kind.EXCEPT ? "Except" : kind == Kind.INTERSECT ? "Intersect" : "Union") + (all ? "All" : "")
                + "(" + arity + " inputs)";
    }
}
