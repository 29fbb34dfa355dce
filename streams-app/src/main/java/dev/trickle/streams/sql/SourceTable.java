package dev.trickle.streams.sql;

import java.util.List;
import java.util.Objects;

/**
 * A source table: its schema, name and columns in attribute order.
 *
 * @param uniqueKeys sets of column positions (0-based, into {@code columns}) that no two rows share: the
 *                   primary key, and unique indexes whose NULLs cannot repeat (NOT NULL columns, or NULLS NOT
 *                   DISTINCT); empty when none is known. The planner derives the stream table's key from them.
 */
public record SourceTable(String schema, String name, List<SourceColumn> columns, List<List<Integer>> uniqueKeys) {
    public SourceTable {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        uniqueKeys = uniqueKeys.stream().map(List::copyOf).toList();
    }

    /** A source table without a known key. */
    public SourceTable(String schema, String name, List<SourceColumn> columns) {
        this(schema, name, columns, List.of());
    }

    /** {@code schema.name}, unquoted: the key of this table's delta in {@code DeltaPipeline.apply}. */
    public String qualifiedName() {
        return schema + "." + name;
    }
}
