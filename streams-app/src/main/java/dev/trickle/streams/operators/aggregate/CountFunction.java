package dev.trickle.streams.operators.aggregate;

import java.util.List;

/** count(*) and count(x): a running count of the rows (with no NULL argument); bigint, 0 for no rows. */
public final class CountFunction implements AggregateFunction {
    private final boolean star;

    /** @param star count(*): every row counts, whatever its values */
    public CountFunction(boolean star) {
        this.star = star;
    }

    @Override
    public Accumulator load(String saved) {
        return new Accumulator() {
            private long n = saved == null ? 0 : Long.parseLong(saved);

            @Override
            public void add(List<String> element, long weight, ValueBag bag) {
                if (star || !element.contains(null)) {
                    n += weight;
                }
            }

            @Override
            public String result(ValueBag bag) {
                return Long.toString(n);
            }

            @Override
            public String save() {
                return Long.toString(n);
            }
        };
    }
}
