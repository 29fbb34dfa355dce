package dev.trickle.streams.operators.topk;

import dev.trickle.streams.rows.PgType;

/**
 * One ORDER BY key: the column it reads, the column's type, its direction, and where its NULLs go (the
 * translator resolves PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending).
 */
public record SortKey(int column, PgType type, boolean descending, boolean nullsFirst) {
    /** A key with PostgreSQL's default NULL placement for its direction. */
    public static SortKey of(int column, PgType type, boolean descending) {
        return new SortKey(column, type, descending, descending);
    }

    @Override
    public String toString() {
        return "$" + column + (descending ? " DESC" : "") + (nullsFirst != descending ? nullsFirst ? " NULLS FIRST" : " NULLS LAST" : "");
    }
}
