package dev.trickle.streams.operators.expr;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * Ordering of two non-null values already brought to one common type (see {@link PgTypeRules}).
 * Text is ordered by Unicode code point, as collation C orders it: the compiler refuses text orderings
 * under any other collation.
 * Floats follow PostgreSQL: NaN equals NaN and sorts above every number, and -0 equals 0.
 */
public final class PgCompare {
    private PgCompare() {
    }

    public static int compare(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y);
        }
        if (a instanceof Double || a instanceof Float) {
            return compareFloat(((Number) a).doubleValue(), ((Number) b).doubleValue());
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof Boolean x && b instanceof Boolean y) {
            return Boolean.compare(x, y);
        }
        if (a instanceof LocalDate x && b instanceof LocalDate y) {
            return x.compareTo(y);
        }
        if (a instanceof LocalDateTime x && b instanceof LocalDateTime y) {
            return x.compareTo(y);
        }
        if (a instanceof Timestamptz x && b instanceof Timestamptz y) {
            return x.compareTo(y);
        }
        throw new IllegalStateException("cannot compare " + a.getClass().getSimpleName() + " with " + b.getClass().getSimpleName());
    }

    static int compareFloat(double a, double b) {
        if (Double.isNaN(a)) {
            return Double.isNaN(b) ? 0 : 1;
        }
        if (Double.isNaN(b)) {
            return -1;
        }
        return a < b ? -1 : a > b ? 1 : 0;
    }

    /** Code point order (Java's compareTo orders UTF-16 units, which differs above U+D7FF). */
    public static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return Integer.compare(codeUnitRank(x), codeUnitRank(y));
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** Moves surrogates above U+E000..U+FFFF so that UTF-16 unit order becomes code point order. */
    private static int codeUnitRank(char c) {
        if (c >= 0xD800 && c <= 0xDFFF) {
            return c + 0x2000;
        }
        return c >= 0xE000 ? c - 0x800 : c;
    }
}
