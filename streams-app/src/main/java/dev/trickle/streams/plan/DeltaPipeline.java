package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import dev.trickle.streams.operators.StateBackend;
import java.util.List;
import java.util.Map;

/** The incremental form of one stream table's query: turns one tick's input deltas into its output delta. */
public interface DeltaPipeline {
    /**
     * One tick.
     *
     * @param inputs the tick's consolidated delta per source, keyed by {@code SourceTable.qualifiedName()};
     *               rows map column name to PostgreSQL text (null = SQL NULL); a missing key means no change
     * @param state  where stateful operators keep their state across ticks
     * @return the consolidated output delta: rows positional in select-list order, as PostgreSQL text
     */
    ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs, StateBackend state)
            throws EvaluationException;

    /**
     * One tick with state kept in memory by this pipeline object (tests and tools; the runtime passes
     * its state store instead).
     */
    ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs) throws EvaluationException;

    /**
     * Whether some operator keeps state across ticks. The runtime then brings all of a tick's input to
     * one task (stateless pipelines run in every partition's task).
     */
    boolean isStateful();
}
