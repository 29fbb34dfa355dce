package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.PgType.Kind;
import java.util.List;

/**
 * PostgreSQL's operator and type resolution for the engine's types, reduced to the cases that occur:
 * which type an arithmetic operator, a comparison, or a CASE/COALESCE/GREATEST computes in.
 * Null means PostgreSQL has no such operator (or the engine does not implement it).
 */
public final class PgTypeRules {
    private PgTypeRules() {
    }

    /**
     * The type of {@code a op b} for + - * / %: the wider integer type; numeric if either is numeric;
     * real only for real op real; double precision whenever a float meets anything else (PostgreSQL
     * picks the float8 operators because float8 is the preferred numeric type).
     */
    public static PgType arithmetic(PgType a, PgType b) {
        if (!a.isNumber() || !b.isNumber()) {
            return null;
        }
        if (a.isFloat() || b.isFloat()) {
            return a.kind() == Kind.FLOAT4 && b.kind() == Kind.FLOAT4 ? PgType.FLOAT4 : PgType.FLOAT8;
        }
        if (a.kind() == Kind.NUMERIC || b.kind() == Kind.NUMERIC) {
            return PgType.NUMERIC;
        }
        return rank(a) >= rank(b) ? a.base() : b.base();
    }

    /** The type both sides of a comparison are converted to. */
    public static PgType comparison(PgType a, PgType b) {
        if (a.isNumber() && b.isNumber()) {
            return arithmetic(a, b);
        }
        if (a.isString() && b.isString()) {
            // char(n) compares without its trailing blanks, like text
            return PgType.TEXT;
        }
        if (a.kind() == b.kind() && a.kind() != Kind.OTHER) {
            return a.base();
        }
        if ((a.kind() == Kind.DATE || a.kind() == Kind.TIMESTAMP) && (b.kind() == Kind.DATE || b.kind() == Kind.TIMESTAMP)) {
            return PgType.TIMESTAMP;
        }
        if (a.isDateTime() && b.isDateTime()) {
            // date or timestamp against timestamptz: converted in the session's TimeZone
            return PgType.TIMESTAMPTZ;
        }
        return null;
    }

    /**
     * The result type of CASE / COALESCE / GREATEST / LEAST over {@code types} (nulls are untyped NULL
     * literals and are ignored): PostgreSQL's UNION-style resolution (select_common_type): numbers widen,
     * the first string type wins. Keeps the modifier when all agree.
     */
    public static PgType common(List<PgType> types) {
        PgType result = null;
        for (PgType t : types) {
            if (t == null) {
                continue;
            }
            if (result == null || result.equals(t)) {
                result = t;
            } else {
                result = widen(result, t);
                if (result == null) {
                    return null;
                }
            }
        }
        return result == null ? PgType.TEXT : result;
    }

    private static PgType widen(PgType a, PgType b) {
        if (a.isNumber() && b.isNumber()) {
            return rank(a) >= rank(b) ? a.base() : b.base();
        }
        if (a.isString() && b.isString()) {
            // strings convert to each other implicitly both ways: the first one's type stays (char(n) and text: char)
            return a.base();
        }
        if (a.kind() == b.kind() && a.kind() != Kind.OTHER) {
            return a.base();
        }
        return comparison(a, b);
    }

    private static int rank(PgType t) {
        return switch (t.kind()) {
            case INT2 -> 1;
            case INT4 -> 2;
            case INT8 -> 3;
            case NUMERIC -> 4;
            case FLOAT4 -> 5;
            case FLOAT8 -> 6;
            default -> 0;
        };
    }
}
