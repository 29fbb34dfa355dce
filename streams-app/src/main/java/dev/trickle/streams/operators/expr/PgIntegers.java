package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;

/** smallint/integer/bigint arithmetic with PostgreSQL's overflow errors; all three are held in a long. */
public final class PgIntegers {
    private PgIntegers() {
    }

    public static boolean fits(long v, PgType type) {
        return switch (type.kind()) {
            case INT2 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case INT4 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
    }

    public static String outOfRange(PgType type) {
        return switch (type.kind()) {
            case INT2 -> "smallint out of range";
            case INT4 -> "integer out of range";
            default -> "bigint out of range";
        };
    }

    static long check(long v, PgType type) throws EvaluationException {
        if (!fits(v, type)) {
            throw new EvaluationException(outOfRange(type));
        }
        return v;
    }

    public static long add(long a, long b, PgType type) throws EvaluationException {
        try {
            return check(Math.addExact(a, b), type);
        } catch (ArithmeticException e) {
            throw new EvaluationException(outOfRange(type));
        }
    }

    public static long subtract(long a, long b, PgType type) throws EvaluationException {
        try {
            return check(Math.subtractExact(a, b), type);
        } catch (ArithmeticException e) {
            throw new EvaluationException(outOfRange(type));
        }
    }

    public static long multiply(long a, long b, PgType type) throws EvaluationException {
        try {
            return check(Math.multiplyExact(a, b), type);
        } catch (ArithmeticException e) {
            throw new EvaluationException(outOfRange(type));
        }
    }

    /** Truncates toward zero (C semantics, like PostgreSQL); MIN / -1 overflows. */
    public static long divide(long a, long b, PgType type) throws EvaluationException {
        if (b == 0) {
            throw new EvaluationException("division by zero");
        }
        if (b == -1) {
            return negate(a, type);
        }
        return a / b;
    }

    /** The remainder has the dividend's sign; MIN % -1 is 0 in PostgreSQL. */
    public static long remainder(long a, long b) throws EvaluationException {
        if (b == 0) {
            throw new EvaluationException("division by zero");
        }
        return b == -1 ? 0 : a % b;
    }

    public static long negate(long a, PgType type) throws EvaluationException {
        if (a == Long.MIN_VALUE) {
            throw new EvaluationException(outOfRange(type));
        }
        return check(-a, type);
    }

    public static long abs(long a, PgType type) throws EvaluationException {
        return a < 0 ? negate(a, type) : a;
    }
}
