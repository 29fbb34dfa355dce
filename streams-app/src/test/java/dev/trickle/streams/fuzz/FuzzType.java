package dev.trickle.streams.fuzz;

import java.time.LocalDate;
import java.util.Random;

/**
 * The column types the generator uses, with PostgreSQL's name, a column-name prefix, and random literals:
 * small skewed domains (many duplicates and join partners), NULL one time in eight, doubles that are
 * multiples of 0.25 (exact, so a sum cannot depend on the order of its terms), texts with blanks, case,
 * LIKE metacharacters, quotes and non-ASCII letters.
 */
enum FuzzType {
    INT("integer", "i"), BIGINT("bigint", "b"), NUMERIC("numeric(8,2)", "n"), DOUBLE("double precision", "f"),
    TEXT("text", "s"), BOOL("boolean", "o"), DATE("date", "d");

    private static final String[] WORDS = {"a", "b", "ab", "B", "", "a b", "x%", "é", "zz", "it's", "A_1", " b"};

    final String sql;
    final String prefix;

    FuzzType(String sql, String prefix) {
        this.sql = sql;
        this.prefix = prefix;
    }

    boolean numeric() {
        return this == INT || this == BIGINT || this == NUMERIC || this == DOUBLE;
    }

    /** A value of this type as a SQL literal, or NULL one time in eight. */
    String value(Random r) {
        return r.nextInt(8) == 0 ? "NULL" : literal(r);
    }

    /** A non-NULL literal, skewed towards a few values. */
    String literal(Random r) {
        int small = skewed(r, 6) - (r.nextInt(5) == 0 ? 3 : 0);
        return switch (this) {
            case INT -> Integer.toString(r.nextInt(6) == 0 ? r.nextInt(41) - 20 : small);
            case BIGINT -> small * 1_000_000_007L + "::bigint";
            case NUMERIC -> String.format(java.util.Locale.ROOT, "%d.%02d", small, r.nextInt(4) * 25);
            case DOUBLE -> Double.toString(small + r.nextInt(4) * 0.25) + "::float8";
            case TEXT -> "'" + WORDS[skewed(r, WORDS.length)].replace("'", "''") + "'";
            case BOOL -> r.nextBoolean() ? "true" : "false";
            case DATE -> "DATE '" + LocalDate.of(2024, 1, 1).plusDays(small * 7L + r.nextInt(3)) + "'";
        };
    }

    /** The simplest literal, what an expression of this type shrinks to. */
    String simplest() {
        return switch (this) {
            case INT -> "1";
            case BIGINT -> "1::bigint";
            case NUMERIC -> "1.50";
            case DOUBLE -> "1.5::float8";
            case TEXT -> "'a'";
            case BOOL -> "true";
            case DATE -> "DATE '2024-01-01'";
        };
    }

    /** 0..n-1, small values more likely (the smaller of two uniform draws). */
    static int skewed(Random r, int n) {
        return Math.min(r.nextInt(n), r.nextInt(n));
    }
}
