package dev.trickle.streams.sql;

import java.util.List;
import java.util.Objects;

/** A source table: its schema, name and columns in attribute order. */
public record SourceTable(String schema, String name, List<SourceColumn> columns) {
    public SourceTable {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
    }

    /** {@code schema.name}, unquoted: the key of this table's delta in {@code DeltaPipeline.apply}. */
    public String qualifiedName() {
        return schema + "." + name;
    }
}
