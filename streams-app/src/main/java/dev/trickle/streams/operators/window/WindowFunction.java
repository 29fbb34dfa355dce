package dev.trickle.streams.operators.window;

import dev.trickle.streams.rows.EvaluationException;

/** One window function call: its value for every row of a partition. */
public interface WindowFunction {
    /** The values (PostgreSQL text, null = NULL) for the partition's rows, in the partition's order. */
    String[] evaluate(Partition partition) throws EvaluationException;
}
