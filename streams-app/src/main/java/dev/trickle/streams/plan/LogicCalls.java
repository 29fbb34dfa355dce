package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgCompare;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.sql.SqlKind;

/** AND, OR, NOT and the IS predicates, with SQL's three-valued logic. */
final class LogicCalls {
    private LogicCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.kind(LogicCalls::and, SqlKind.AND);
        r.kind(LogicCalls::or, SqlKind.OR);
        r.kind(LogicCalls::not, SqlKind.NOT);
        r.kind(LogicCalls::isPredicate, SqlKind.IS_NULL, SqlKind.IS_NOT_NULL, SqlKind.IS_TRUE, SqlKind.IS_NOT_TRUE,
                SqlKind.IS_FALSE, SqlKind.IS_NOT_FALSE, SqlKind.IS_UNKNOWN);
        r.kind(LogicCalls::distinct, SqlKind.IS_DISTINCT_FROM, SqlKind.IS_NOT_DISTINCT_FROM);
    }

    /** An operand of a boolean operator: a quoted literal ('t') is read as boolean, like PostgreSQL does. */
    static Expr bool(RexCall call, RexTranslator t, int i) throws UnsupportedQueryException {
        TypedExpr e = t.operand(call, i);
        if (e.origin() == TypedExpr.Origin.UNKNOWN_LITERAL || e.origin() == TypedExpr.Origin.NULL_LITERAL) {
            e = e.castTo(PgType.BOOL);
        }
        if (e.type().kind() != PgType.Kind.BOOL) {
            throw RexTranslator.typeMismatch(call, e);
        }
        return e.expr();
    }

    private static Expr[] bools(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        Expr[] out = new Expr[call.getOperands().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bool(call, t, i);
        }
        return out;
    }

    /** FALSE as soon as one operand is FALSE (later operands are not evaluated), else NULL if any is NULL. */
    private static TypedExpr and(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        Expr[] ops = bools(call, t);
        return TypedExpr.computed(row -> {
            boolean sawNull = false;
            for (Expr op : ops) {
                Object v = op.eval(row);
                if (v == null) {
                    sawNull = true;
                } else if (!(Boolean) v) {
                    return false;
                }
            }
            return sawNull ? null : Boolean.TRUE;
        }, PgType.BOOL);
    }

    private static TypedExpr or(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        Expr[] ops = bools(call, t);
        return TypedExpr.computed(row -> {
            boolean sawNull = false;
            for (Expr op : ops) {
                Object v = op.eval(row);
                if (v == null) {
                    sawNull = true;
                } else if ((Boolean) v) {
                    return true;
                }
            }
            return sawNull ? null : Boolean.FALSE;
        }, PgType.BOOL);
    }

    private static TypedExpr not(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        Expr op = bool(call, t, 0);
        return TypedExpr.computed(row -> {
            Object v = op.eval(row);
            return v == null ? null : !(Boolean) v;
        }, PgType.BOOL);
    }

    private static TypedExpr isPredicate(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        SqlKind kind = call.getKind();
        Expr op = kind == SqlKind.IS_NULL || kind == SqlKind.IS_NOT_NULL ? t.operand(call, 0).expr() : bool(call, t, 0);
        return TypedExpr.computed(row -> {
            Object v = op.eval(row);
            return switch (kind) {
                case IS_NULL, IS_UNKNOWN -> v == null;
                case IS_NOT_NULL -> v != null;
                case IS_TRUE -> Boolean.TRUE.equals(v);
                case IS_NOT_TRUE -> !Boolean.TRUE.equals(v);
                case IS_FALSE -> Boolean.FALSE.equals(v);
                default -> !Boolean.FALSE.equals(v);
            };
        }, PgType.BOOL);
    }

    /** IS [NOT] DISTINCT FROM: NULL is not distinct from NULL; never returns NULL. */
    private static TypedExpr distinct(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        List<TypedExpr> both = ComparisonCalls.comparable(call, t.uncoerced(call, 0), t.uncoerced(call, 1));
        ComparisonCalls.checkCollation(call, t, both.get(0).type(), false);
        Expr a = both.get(0).expr();
        Expr b = both.get(1).expr();
        boolean wantDistinct = call.getKind() == SqlKind.IS_DISTINCT_FROM;
        return TypedExpr.computed(row -> {
            Object x = a.eval(row);
            Object y = b.eval(row);
            boolean distinct = x == null || y == null ? (x == null) != (y == null) : PgCompare.compare(x, y) != 0;
            return distinct == wantDistinct;
        }, PgType.BOOL);
    }
}
