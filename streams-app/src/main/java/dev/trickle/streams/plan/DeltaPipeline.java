package dev.trickle.streams.plan;

import java.util.List;
import java.util.Map;

/** The incremental form of one stream table's query: turns one tick's input deltas into its output delta. */
public interface DeltaPipeline {
    /**
     * One tick.
     *
     * @param inputs the tick's consolidated delta per source, keyed by {@code SourceTable.qualifiedName()};
     *               rows map column name to PostgreSQL text (null = SQL NULL); a missing key means no change
     * @return the consolidated output delta: rows positional in select-list order, as PostgreSQL text
     */
    ZSet<List<String>> apply(Map<String, ZSet<Map<String, String>>> inputs) throws EvaluationException;
}
