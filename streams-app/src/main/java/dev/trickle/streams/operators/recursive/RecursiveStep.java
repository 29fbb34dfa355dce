package dev.trickle.streams.operators.recursive;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * The recursive term of a recursive CTE as an incremental function: given how the recursive reference's
 * rows changed and how each other input changed, the change of the term's (multiset) result. Its operators
 * keep their state (join indexes, including the recursive reference's rows) in the state they are given.
 */
public interface RecursiveStep {
    /**
     * @param recursive the change of the recursive reference's rows
     * @param inputs    the change of each other input (same order as the recursive operator's inputs after the seed)
     */
    ZSet<List<String>> apply(ZSet<List<String>> recursive, List<ZSet<List<String>>> inputs, OperatorState state)
            throws EvaluationException;

    /** The term's operators on one line, for EXPLAIN. */
    String describe();
}
