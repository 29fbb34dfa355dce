package dev.trickle.streams.sql;

import java.util.Objects;

/**
 * A column of a source table.
 *
 * @param name   the column name exactly as stored in PostgreSQL (case-sensitive)
 * @param pgType {@code format_type(atttypid, atttypmod)}, e.g. {@code integer}, {@code numeric(10,2)}
 */
public record SourceColumn(String name, String pgType) {
    public SourceColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pgType, "pgType");
    }
}
