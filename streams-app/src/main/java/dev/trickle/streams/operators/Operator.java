package dev.trickle.streams.operators;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * One incremental operator: turns the current tick's deltas of its inputs into its own output delta.
 * Rows are lists of PostgreSQL text values (null = SQL NULL), positional in the operator's column order.
 * Linear operators (filter, project) need no state; stateful ones (joins, aggregates, DISTINCT) keep
 * what they need across ticks in the {@link OperatorState} they are given.
 */
public interface Operator {
    /** Number of inputs (1 for filter and project; 2 for a join). */
    int arity();

    /**
     * @param inputs one consolidated delta per input, in input order
     * @param state  this operator's own state across ticks ({@link OperatorState#NONE} when stateless)
     */
    ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException;

    default boolean isStateful() {
        return false;
    }

    /** One line for EXPLAIN output. */
    String describe();
}
