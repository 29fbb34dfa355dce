package dev.trickle.streams.plan;

import dev.trickle.streams.sql.SourceTable;
import java.util.List;

/** A defining query compiled for incremental maintenance. */
public final class CompiledQuery {
    private final List<SourceTable> sources;
    private final List<String> outputColumns;
    private final DeltaPipeline pipeline;
    private final String explain;

    public CompiledQuery(List<SourceTable> sources, List<String> outputColumns, DeltaPipeline pipeline, String explain) {
        this.sources = List.copyOf(sources);
        this.outputColumns = List.copyOf(outputColumns);
        this.pipeline = pipeline;
        this.explain = explain;
    }

    /** The source tables the query reads, in the order they appear. */
    public List<SourceTable> sources() {
        return sources;
    }

    /** The stream table's column names, in select-list order. */
    public List<String> outputColumns() {
        return outputColumns;
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
