package dev.trickle.streams.sql;

import java.util.Optional;

/** Where the compiler looks up source tables; names are matched exactly (already case-folded by the parser). */
public interface SourceCatalog {
    Optional<SourceTable> find(String schema, String name);

    /**
     * The database's default collation (its {@code LC_COLLATE}, e.g. {@code C.UTF-8} or {@code en_US.UTF-8}):
     * it orders the text of every column and literal without a collation of its own. The engine orders text
     * by code point, so ordering text under any other collation is refused. "C" unless the catalog knows.
     */
    default String databaseCollation() {
        return "C";
    }
}
