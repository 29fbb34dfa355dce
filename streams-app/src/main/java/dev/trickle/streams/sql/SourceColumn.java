package dev.trickle.streams.sql;

import java.util.Objects;

/**
 * A column of a source table.
 *
 * @param name                   the column name exactly as stored in PostgreSQL (case-sensitive)
 * @param pgType                 {@code format_type(atttypid, atttypmod)}, e.g. {@code integer}, {@code numeric(10,2)}
 * @param collation              the column's own collation as a query would name it ({@code en-x-icu}, or
 *                               {@code schema.name} outside pg_catalog); null for the database's default
 *                               collation and for types without collation
 * @param deterministicCollation false when that collation is nondeterministic (e.g. case-insensitive ICU):
 *                               then equal text need not be equal code points
 */
public record SourceColumn(String name, String pgType, String collation, boolean deterministicCollation) {
    public SourceColumn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pgType, "pgType");
        // PostgreSQL's collation named "default" is the database's: one spelling for it, null
        if ("default".equals(collation)) {
            collation = null;
        }
    }

    /** A column with the database's default collation (or of a type without collation). */
    public SourceColumn(String name, String pgType) {
        this(name, pgType, null, true);
    }

    /** A column with its own deterministic collation (null: the database's default). */
    public SourceColumn(String name, String pgType, String collation) {
        this(name, pgType, collation, true);
    }
}
