package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgCompare;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;

/**
 * PostgreSQL's ordering of two non-NULL values of one type, given as their texts: text by code point (the
 * translator refuses other collations; char(n) without its trailing blanks), numbers by value (numeric NaN
 * above every number, as PostgreSQL sorts it), dates and timestamps by time.
 */
public final class ValueOrder {
    private ValueOrder() {
    }

    /** Whether the engine can order values of this type (min, max, ORDER BY inside an aggregate). */
    public static boolean supports(PgType type) {
        return type.kind() != PgType.Kind.OTHER;
    }

    public static int compare(String a, String b, PgType type) {
        switch (type.kind()) {
            case TEXT, VARCHAR, OTHER:
                return PgCompare.compareCodePoints(a, b);
            case BPCHAR:
                return PgCompare.compareCodePoints(PgValues.rtrimSpaces(a), PgValues.rtrimSpaces(b));
            case NUMERIC:
                return compareNumeric(a, b);
            default:
                try {
                    return PgCompare.compare(PgValues.parse(a, type), PgValues.parse(b, type));
                } catch (EvaluationException e) {
                    // the values are PostgreSQL's own output of this type: unreadable text is a bug upstream
                    throw new IllegalStateException(e.getMessage(), e);
                }
        }
    }

    /** numeric order: -Infinity < numbers < Infinity < NaN (PostgreSQL sorts NaN above everything). */
    private static int compareNumeric(String a, String b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != 0 || rb != 0) {
            return Integer.compare(ra, rb);
        }
        return new BigDecimal(a.trim()).compareTo(new BigDecimal(b.trim()));
    }

    private static int rank(String numeric) {
        return switch (numeric.trim()) {
            case "NaN" -> 3;
            case "Infinity" -> 2;
            case "-Infinity" -> -2;
            default -> 0;
        };
    }
}
