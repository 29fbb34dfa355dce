package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgIntegers;
import dev.trickle.streams.operators.expr.PgNumerics;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import org.apache.calcite.rex.RexCall;

/**
 * abs, round, trunc, floor, ceil, power, sqrt with PostgreSQL's overloads: numeric arguments give numeric
 * (rounding half away from zero), while an integer argument resolves to the double precision version
 * (float8 is the preferred numeric type), so {@code round(5)} is a double rounded half to even.
 */
final class MathCalls {
    private MathCalls() {
    }

    @FunctionalInterface
    private interface Fn {
        Object apply(Object v) throws EvaluationException;
    }

    static void register(RexTranslator.Registry r) {
        r.name(MathCalls::abs, "ABS");
        r.name((call, t) -> rounding(call, t, true), "ROUND");
        r.name((call, t) -> rounding(call, t, false), "TRUNC", "TRUNCATE");
        r.name((call, t) -> floorCeil(call, t, true), "FLOOR");
        r.name((call, t) -> floorCeil(call, t, false), "CEIL", "CEILING");
        r.name(MathCalls::sqrt, "SQRT");
        r.name(MathCalls::power, "POWER", "^");
    }

    private static TypedExpr unary(TypedExpr arg, PgType type, Fn fn) {
        Expr x = arg.expr();
        return TypedExpr.computed(row -> {
            Object v = x.eval(row);
            return v == null ? null : fn.apply(v);
        }, type);
    }

    private static TypedExpr numberArg(RexCall call, RexTranslator t, int i) throws UnsupportedQueryException {
        TypedExpr a = t.operand(call, i);
        if (a.origin() == TypedExpr.Origin.NULL_LITERAL) {
            return a.castTo(PgType.NUMERIC);
        }
        if (!a.type().isNumber()) {
            throw RexTranslator.typeMismatch(call, a);
        }
        return a;
    }

    private static TypedExpr abs(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr a = numberArg(call, t, 0);
        PgType type = a.type().base();
        return unary(a, type, v -> v instanceof Long l ? (Object) PgIntegers.abs(l, type)
                : v instanceof BigDecimal d ? d.abs() : v instanceof Float f ? (Object) Math.abs(f) : (Object) Math.abs((Double) v));
    }

    /** round/trunc: (numeric[, int]) → numeric; (integer or float) → double precision. */
    private static TypedExpr rounding(RexCall call, RexTranslator t, boolean round) throws UnsupportedQueryException {
        TypedExpr a = numberArg(call, t, 0);
        if (call.getOperands().size() == 2) {
            if (a.type().isFloat()) {
                throw RexTranslator.typeMismatch(call, a, t.operand(call, 1));
            }
            Expr x = a.castTo(PgType.NUMERIC).expr();
            Expr s = t.operand(call, 1).castTo(PgType.INT4).expr();
            return TypedExpr.computed(row -> {
                Object v = x.eval(row);
                Object scale = s.eval(row);
                if (v == null || scale == null) {
                    return null;
                }
                return round ? PgNumerics.round((BigDecimal) v, (Long) scale) : PgNumerics.trunc((BigDecimal) v, (Long) scale);
            }, PgType.NUMERIC);
        }
        if (a.type().kind() == PgType.Kind.NUMERIC) {
            return unary(a, PgType.NUMERIC, v -> round ? PgNumerics.round((BigDecimal) v, 0) : PgNumerics.trunc((BigDecimal) v, 0));
        }
        // rint rounds half to even; trunc keeps the sign of zero like PostgreSQL's dtrunc
        return unary(a.castTo(PgType.FLOAT8), PgType.FLOAT8, v -> {
            double d = (Double) v;
            return round ? Math.rint(d) : d >= 0 ? Math.floor(d) : -Math.floor(-d);
        });
    }

    private static TypedExpr floorCeil(RexCall call, RexTranslator t, boolean floor) throws UnsupportedQueryException {
        if (call.getOperands().size() != 1) {
            throw new UnsupportedQueryException(RexTranslator.describe(call) + " with a time unit");
        }
        TypedExpr a = numberArg(call, t, 0);
        if (a.type().kind() == PgType.Kind.NUMERIC) {
            return unary(a, PgType.NUMERIC, v -> floor ? PgNumerics.floor((BigDecimal) v) : PgNumerics.ceil((BigDecimal) v));
        }
        return unary(a.castTo(PgType.FLOAT8), PgType.FLOAT8, v -> floor ? Math.floor((Double) v) : Math.ceil((Double) v));
    }

    private static TypedExpr sqrt(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr a = numberArg(call, t, 0);
        if (a.type().kind() == PgType.Kind.NUMERIC) {
            throw new UnsupportedQueryException("sqrt(numeric)", "cast the argument to double precision");
        }
        return unary(a.castTo(PgType.FLOAT8), PgType.FLOAT8, v -> {
            double d = (Double) v;
            if (d < 0) {
                throw new EvaluationException("cannot take square root of a negative number");
            }
            return Math.sqrt(d);
        });
    }

    private static TypedExpr power(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr a = numberArg(call, t, 0);
        TypedExpr b = numberArg(call, t, 1);
        if (a.type().kind() == PgType.Kind.NUMERIC || b.type().kind() == PgType.Kind.NUMERIC) {
            throw new UnsupportedQueryException("power(numeric)", "cast the arguments to double precision");
        }
        Expr x = a.castTo(PgType.FLOAT8).expr();
        Expr y = b.castTo(PgType.FLOAT8).expr();
        return TypedExpr.computed(row -> {
            Object u = x.eval(row);
            Object v = y.eval(row);
            return u == null || v == null ? null : pow((Double) u, (Double) v);
        }, PgType.FLOAT8);
    }

    /** PostgreSQL's dpow checks around pow(). */
    static double pow(double x, double y) throws EvaluationException {
        if (x == 0 && y < 0) {
            throw new EvaluationException("zero raised to a negative power is undefined");
        }
        if (x < 0 && Math.floor(y) != y && !Double.isInfinite(y)) {
            throw new EvaluationException("a negative number raised to a non-integer power yields a complex result");
        }
        double r = Math.pow(x, y);
        if (Double.isInfinite(r) && !Double.isInfinite(x) && !Double.isInfinite(y)) {
            throw new EvaluationException("value out of range: overflow");
        }
        if (r == 0 && x != 0 && !Double.isInfinite(y)) {
            throw new EvaluationException("value out of range: underflow");
        }
        return r;
    }

}
