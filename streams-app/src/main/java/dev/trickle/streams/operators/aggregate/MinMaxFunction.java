package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.rows.PgType;
import java.util.List;
import java.util.Map;

/**
 * min and max (and any_value, as the least text): the group's extremum, kept until the last copy of it is
 * deleted; then found again by scanning the group's values. Insertions and other deletions cost nothing
 * more. Values that are equal but written differently (numeric 1.0 and 1.00) tie; the engine then shows
 * the least text, PostgreSQL the one it met last in scan order.
 */
public final class MinMaxFunction implements AggregateFunction {
    private final PgType type;
    private final boolean max;

    /** @param type the values' type; null orders by text alone (any_value: every value qualifies) */
    public MinMaxFunction(PgType type, boolean max) {
        this.type = type;
        this.max = max;
    }

    @Override
    public boolean keepsValues() {
        return true;
    }

    /** Negative when {@code a} should be the result rather than {@code b}; ties go to the least text. */
    private int better(String a, String b) {
        int c = type == null ? 0 : ValueOrder.compare(a, b, type);
        if (max) {
            c = -c;
        }
        return c != 0 ? c : a.compareTo(b);
    }

    @Override
    public Accumulator load(String saved) {
        List<String> state = saved == null ? null : Codec.decode(saved);
        return new Accumulator() {
            /** The current extremum; null when there is none or it has to be found again. */
            private String current = state == null ? null : state.get(0);
            private long nonNull = state == null ? 0 : Long.parseLong(state.get(1));

            @Override
            public void add(List<String> element, long weight, ValueBag bag) {
                String v = element.get(0);
                if (v == null) {
                    return;
                }
                boolean wasEmpty = nonNull == 0;
                nonNull += weight;
                if (weight > 0 && (wasEmpty ? true : current != null && better(v, current) < 0)) {
                    current = v;
                } else if (weight < 0 && v.equals(current) && bag.count(element) == 0) {
                    current = null;
                }
            }

            @Override
            public String result(ValueBag bag) {
                if (nonNull == 0) {
                    current = null;
                    return null;
                }
                if (current == null) {
                    for (Map.Entry<List<String>, Long> e : bag.entries()) {
                        String v = e.getKey().get(0);
                        if (v != null && (current == null || better(v, current) < 0)) {
                            current = v;
                        }
                    }
                }
                return current;
            }

            @Override
            public String save() {
                return Codec.encode(current, Long.toString(nonNull));
            }
        };
    }
}
