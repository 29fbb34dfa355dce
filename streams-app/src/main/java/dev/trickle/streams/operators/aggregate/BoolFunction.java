package dev.trickle.streams.operators.aggregate;

import java.util.List;

/**
 * bool_and (every) and bool_or: counts of the group's true and false values are enough; NULLs are ignored,
 * and a group without non-NULL values gives NULL.
 */
public final class BoolFunction implements AggregateFunction {
    private final boolean and;

    /** @param and bool_and / every; else bool_or */
    public BoolFunction(boolean and) {
        this.and = and;
    }

    @Override
    public Accumulator load(String saved) {
        List<String> state = saved == null ? List.of("0", "0") : Codec.decode(saved);
        return new Accumulator() {
            private long trues = Long.parseLong(state.get(0));
            private long falses = Long.parseLong(state.get(1));

            @Override
            public void add(List<String> element, long weight, ValueBag bag) {
                String v = element.get(0);
                if ("t".equals(v)) {
                    trues += weight;
                } else if ("f".equals(v)) {
                    falses += weight;
                }
            }

            @Override
            public String result(ValueBag bag) {
                if (trues + falses == 0) {
                    return null;
                }
                boolean value = and ? falses == 0 : trues > 0;
                return value ? "t" : "f";
            }

            @Override
            public String save() {
                return Codec.encode(Long.toString(trues), Long.toString(falses));
            }
        };
    }
}
