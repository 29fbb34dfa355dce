package dev.trickle.streams.sql;

import java.util.Optional;

/** Where the compiler looks up source tables; names are matched exactly (already case-folded by the parser). */
public interface SourceCatalog {
    Optional<SourceTable> find(String schema, String name);
}
