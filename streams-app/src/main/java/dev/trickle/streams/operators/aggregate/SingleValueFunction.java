package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgValues;
import java.util.List;
import java.util.Map;

/**
 * Calcite's SINGLE_VALUE, which stands for a scalar subquery that may return several rows: the value of the
 * group's only row, NULL for no row, and for more rows PostgreSQL's error as a
 * {@link PgValues#deferredError deferred error}: PostgreSQL raises it only when the subquery is evaluated for
 * an outer row, so it is raised where the value is used, not where the group is computed.
 */
public final class SingleValueFunction implements AggregateFunction {
    /** PostgreSQL's message (SQLSTATE 21000, cardinality violation). */
    public static final String MORE_THAN_ONE_ROW = "more than one row returned by a subquery used as an expression";

    @Override
    public boolean keepsValues() {
        return true;
    }

    @Override
    public Accumulator load(String saved) {
        return new Accumulator() {
            private long rows = saved == null ? 0 : Long.parseLong(saved);

            @Override
            public void add(List<String> element, long weight, ValueBag bag) {
                rows += weight;
            }

            @Override
            public String result(ValueBag bag) {
                if (rows == 0) {
                    return null;
                }
                if (rows > 1) {
                    return PgValues.deferredError(MORE_THAN_ONE_ROW);
                }
                // one row: the bag holds exactly one element
                for (Map.Entry<List<String>, Long> e : bag.entries()) {
                    return e.getKey().get(0);
                }
                return null;
            }

            @Override
            public String save() {
                return Long.toString(rows);
            }
        };
    }
}
