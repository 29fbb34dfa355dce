package dev.trickle.streams.plan;

import dev.trickle.streams.sql.SourceTable;
import java.util.List;
import java.util.Optional;

/** A defining query compiled for incremental maintenance. */
public final class CompiledQuery {
    private final List<SourceTable> sources;
    private final List<String> outputColumns;
    private final DeltaPipeline pipeline;
    private final String explain;
    private final List<Integer> uniqueKey;

    public CompiledQuery(List<SourceTable> sources, List<String> outputColumns, DeltaPipeline pipeline, String explain) {
        this(sources, outputColumns, pipeline, explain, Optional.empty());
    }

    /** @param uniqueKey see {@link #uniqueKey()} */
    public CompiledQuery(List<SourceTable> sources, List<String> outputColumns, DeltaPipeline pipeline, String explain,
                         Optional<List<Integer>> uniqueKey) {
        this.sources = List.copyOf(sources);
        this.outputColumns = List.copyOf(outputColumns);
        this.pipeline = pipeline;
        this.explain = explain;
        this.uniqueKey = uniqueKey.map(List::copyOf).orElse(null);
    }

    /** The source tables the query reads, in the order they appear. */
    public List<SourceTable> sources() {
        return sources;
    }

    /** The stream table's column names, in select-list order. */
    public List<String> outputColumns() {
        return outputColumns;
    }

    /**
     * The stream table's unique key as 0-based positions of {@link #outputColumns()}, ascending: no two rows of
     * the result agree on them, NULLs counting as equal (so a row can be found by its key with IS NOT DISTINCT
     * FROM). Empty list: the result has at most one row. Absent: no key is known, rows are told apart whole.
     */
    public Optional<List<Integer>> uniqueKey() {
        return Optional.ofNullable(uniqueKey);
    }

    /** The names of the unique key's columns (see {@link #uniqueKey()}). */
    public Optional<List<String>> uniqueKeyColumns() {
        return uniqueKey().map(k -> k.stream().map(outputColumns::get).toList());
    }

    public DeltaPipeline pipeline() {
        return pipeline;
    }

    /** A human-readable description of the relational plan and the operator pipeline. */
    public String explain() {
        return explain;
    }

    @Override
    public String toString() {
        return explain;
    }
}
