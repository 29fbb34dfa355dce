package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgFloats;
import dev.trickle.streams.operators.expr.PgIntegers;
import dev.trickle.streams.operators.expr.PgNumerics;
import dev.trickle.streams.operators.expr.PgTypeRules;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.sql.SqlKind;

/**
 * + - * / % and unary minus, in the type PostgreSQL resolves the operator to: integers with overflow
 * errors and truncating division, numeric exactly with PostgreSQL's scales, floats with IEEE arithmetic
 * and PostgreSQL's overflow/underflow/division-by-zero errors.
 */
final class ArithmeticCalls {
    private ArithmeticCalls() {
    }

    @FunctionalInterface
    private interface BinaryOp {
        Object apply(Object a, Object b) throws EvaluationException;
    }

    static void register(RexTranslator.Registry r) {
        r.kind(ArithmeticCalls::binary, SqlKind.PLUS, SqlKind.MINUS, SqlKind.TIMES, SqlKind.DIVIDE, SqlKind.MOD);
        r.kind(ArithmeticCalls::negate, SqlKind.MINUS_PREFIX);
        r.kind((call, t) -> number(call, t.operand(call, 0)), SqlKind.PLUS_PREFIX);
    }

    private static TypedExpr number(RexCall call, TypedExpr e) throws UnsupportedQueryException {
        if (e.origin() == TypedExpr.Origin.UNKNOWN_LITERAL) {
            // PostgreSQL resolves an unknown literal in arithmetic as the other operand's type; alone, it fails
            throw RexTranslator.typeMismatch(call, e);
        }
        if (!e.type().isNumber() && e.origin() != TypedExpr.Origin.NULL_LITERAL) {
            throw RexTranslator.typeMismatch(call, e);
        }
        return e;
    }

    private static TypedExpr binary(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        if ((call.getKind() == SqlKind.PLUS || call.getKind() == SqlKind.MINUS) && DateTimeCalls.isDateTimeArithmetic(call)) {
            return DateTimeCalls.arithmetic(call, t);
        }
        TypedExpr a = t.uncoerced(call, 0);
        TypedExpr b = t.uncoerced(call, 1);
        if (a.origin() == TypedExpr.Origin.UNKNOWN_LITERAL && b.type().isNumber()) {
            a = a.castTo(b.type().base());
        }
        if (b.origin() == TypedExpr.Origin.UNKNOWN_LITERAL && a.type().isNumber()) {
            b = b.castTo(a.type().base());
        }
        PgType type = PgTypeRules.arithmetic(number(call, a).type(), number(call, b).type());
        if (type == null) {
            throw RexTranslator.typeMismatch(call, a, b);
        }
        BinaryOp op = operator(call, call.getKind(), type, a, b);
        Expr x = a.castTo(type).expr();
        Expr y = b.castTo(type).expr();
        return TypedExpr.computed(row -> {
            Object u = x.eval(row);
            Object v = y.eval(row);
            return u == null || v == null ? null : op.apply(u, v);
        }, type);
    }

    private static BinaryOp operator(RexCall call, SqlKind kind, PgType type, TypedExpr a, TypedExpr b)
            throws UnsupportedQueryException {
        if (type.isInteger()) {
            return switch (kind) {
                case PLUS -> (u, v) -> PgIntegers.add((Long) u, (Long) v, type);
                case MINUS -> (u, v) -> PgIntegers.subtract((Long) u, (Long) v, type);
                case TIMES -> (u, v) -> PgIntegers.multiply((Long) u, (Long) v, type);
                case DIVIDE -> (u, v) -> PgIntegers.divide((Long) u, (Long) v, type);
                default -> (u, v) -> PgIntegers.remainder((Long) u, (Long) v);
            };
        }
        if (type.kind() == PgType.Kind.NUMERIC) {
            return switch (kind) {
                case PLUS -> (u, v) -> ((BigDecimal) u).add((BigDecimal) v);
                case MINUS -> (u, v) -> ((BigDecimal) u).subtract((BigDecimal) v);
                case TIMES -> (u, v) -> ((BigDecimal) u).multiply((BigDecimal) v);
                case DIVIDE -> (u, v) -> PgNumerics.divide((BigDecimal) u, (BigDecimal) v);
                default -> (u, v) -> PgNumerics.remainder((BigDecimal) u, (BigDecimal) v);
            };
        }
        if (kind == SqlKind.MOD) {
            // PostgreSQL has no % or mod() for floating point
            throw RexTranslator.typeMismatch(call, a, b);
        }
        BinaryOp doubleOp = switch (kind) {
            case PLUS -> (u, v) -> PgFloats.checkSum(d(u) + d(v), d(u), d(v));
            case MINUS -> (u, v) -> PgFloats.checkSum(d(u) - d(v), d(u), d(v));
            case TIMES -> (u, v) -> PgFloats.checkProduct(d(u) * d(v), d(u), d(v));
            default -> (u, v) -> PgFloats.divide(d(u), d(v));
        };
        if (type.kind() == PgType.Kind.FLOAT8) {
            return doubleOp;
        }
        return floatOp(kind);
    }

    /** real op real is computed in single precision, as PostgreSQL's float4 operators do. */
    private static BinaryOp floatOp(SqlKind kind) {
        return switch (kind) {
            case PLUS -> (u, v) -> (float) PgFloats.checkSum((Float) u + (Float) v, (Float) u, (Float) v);
            case MINUS -> (u, v) -> (float) PgFloats.checkSum((Float) u - (Float) v, (Float) u, (Float) v);
            case TIMES -> (u, v) -> (float) PgFloats.checkProduct((Float) u * (Float) v, (Float) u, (Float) v);
            default -> (u, v) -> {
                float x = (Float) u;
                float y = (Float) v;
                if (y == 0) {
                    throw new EvaluationException("division by zero");
                }
                float r = x / y;
                if (Float.isInfinite(r) && !Float.isInfinite(x)) {
                    throw new EvaluationException("value out of range: overflow");
                }
                if (r == 0 && x != 0 && !Float.isInfinite(y)) {
                    throw new EvaluationException("value out of range: underflow");
                }
                return r;
            };
        };
    }

    private static double d(Object v) {
        return ((Number) v).doubleValue();
    }

    private static TypedExpr negate(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr a = number(call, t.operand(call, 0));
        PgType type = a.type();
        Expr x = a.expr();
        return TypedExpr.computed(row -> {
            Object v = x.eval(row);
            if (v == null) {
                return null;
            }
            if (v instanceof Long l) {
                return PgIntegers.negate(l, type);
            }
            if (v instanceof BigDecimal n) {
                return n.negate();
            }
            return v instanceof Float f ? (Object) (-f) : (Object) (-(Double) v);
        }, type);
    }
}
