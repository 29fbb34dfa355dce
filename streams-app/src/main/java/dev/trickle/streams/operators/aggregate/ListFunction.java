package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.PgType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * string_agg(value, delimiter) and array_agg(value), in the call's ORDER BY order: the group's elements are
 * kept, and a touched group's result is rebuilt from them. string_agg skips NULL values and puts each
 * value's own delimiter before it (none before the first; a NULL delimiter is empty); array_agg keeps NULLs
 * and prints the array as array_out does. Both are NULL for a group without (non-NULL) values.
 */
public final class ListFunction implements AggregateFunction {
    private final boolean array;
    private final PgType valueType;
    private final PgType delimiterType;
    private final ElementOrder order;

    private ListFunction(boolean array, PgType valueType, PgType delimiterType, ElementOrder order) {
        this.array = array;
        this.valueType = valueType;
        this.delimiterType = delimiterType;
        this.order = order;
    }

    public static ListFunction stringAgg(PgType valueType, PgType delimiterType, ElementOrder order) {
        return new ListFunction(false, valueType, delimiterType, order);
    }

    public static ListFunction arrayAgg(ElementOrder order) {
        return new ListFunction(true, null, null, order);
    }

    @Override
    public boolean keepsValues() {
        return true;
    }

    @Override
    public Accumulator load(String saved) {
        return new Accumulator() {
            /** Rows that contribute: all for array_agg, those with a non-NULL value for string_agg. */
            private long contributing = saved == null ? 0 : Long.parseLong(saved);

            @Override
            public void add(List<String> element, long weight, ValueBag bag) {
                if (array || element.get(0) != null) {
                    contributing += weight;
                }
            }

            @Override
            public String result(ValueBag bag) {
                return contributing == 0 ? null : build(sorted(bag));
            }

            @Override
            public String save() {
                return Long.toString(contributing);
            }
        };
    }

    private List<List<String>> sorted(ValueBag bag) {
        List<Map.Entry<List<String>, Long>> entries = new ArrayList<>(bag.entries());
        entries.sort((x, y) -> order.compare(x.getKey(), y.getKey()));
        List<List<String>> out = new ArrayList<>();
        for (Map.Entry<List<String>, Long> e : entries) {
            if (array || e.getKey().get(0) != null) {
                for (long i = 0; i < e.getValue(); i++) {
                    out.add(e.getKey());
                }
            }
        }
        return out;
    }

    private String build(List<List<String>> elements) {
        StringBuilder b = new StringBuilder();
        if (array) {
            b.append('{');
            for (int i = 0; i < elements.size(); i++) {
                b.append(i == 0 ? "" : ",");
                PgArrays.appendElement(b, elements.get(i).get(0));
            }
            return b.append('}').toString();
        }
        for (int i = 0; i < elements.size(); i++) {
            List<String> e = elements.get(i);
            if (i > 0 && e.get(1) != null) {
                b.append(asText(e.get(1), delimiterType));
            }
            b.append(asText(e.get(0), valueType));
        }
        return b.toString();
    }

    /** string_agg takes text: char(n) values lose their trailing blanks, as the cast to text drops them. */
    private static String asText(String v, PgType type) {
        return type != null && type.kind() == PgType.Kind.BPCHAR ? PgValues.rtrimSpaces(v) : v;
    }
}
