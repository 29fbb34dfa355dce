package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.rows.EvaluationException;
import java.util.List;
import java.util.Map;

/**
 * One aggregate function with PostgreSQL's semantics, maintained under insertions and deletions. The
 * operator feeds each group's changed rows (already filtered, DISTINCT applied) to the group's
 * {@link Accumulator} as elements: the values of the call's arguments, then of its ORDER BY keys.
 */
public interface AggregateFunction {
    /** The accumulator of one group, from what {@link Accumulator#save()} returned (null: no rows yet). */
    Accumulator load(String saved);

    /**
     * Whether the function needs the group's multiset of elements (MIN, MAX, string_agg, array_agg): the
     * operator then keeps it and passes it as a {@link ValueBag}.
     */
    default boolean keepsValues() {
        return false;
    }

    /** One group's running state. */
    interface Accumulator {
        /**
         * Folds {@code weight} copies of {@code element} in (negative: removes them). For a function that
         * {@link #keepsValues() keeps values}, {@code bag} already counts the change.
         */
        void add(List<String> element, long weight, ValueBag bag) throws EvaluationException;

        /** The aggregate over the group's current rows, as PostgreSQL prints it (null = NULL). */
        String result(ValueBag bag) throws EvaluationException;

        /** The state to keep until the next tick. */
        String save();
    }

    /** A group's multiset of elements for one aggregate call (empty for functions that keep none). */
    interface ValueBag {
        /** How many copies of {@code element} the group holds now. */
        long count(List<String> element);

        /** Every element with its count, in no particular order; costs a scan of the group's elements. */
        List<Map.Entry<List<String>, Long>> entries();
    }
}
