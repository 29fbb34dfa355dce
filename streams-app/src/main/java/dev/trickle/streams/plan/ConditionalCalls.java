package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgCompare;
import dev.trickle.streams.operators.expr.PgTypeRules;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rex.RexCall;

/**
 * CASE, COALESCE, NULLIF, GREATEST, LEAST. The result type is PostgreSQL's common type of the branches
 * (e.g. integer and numeric give numeric, with each value keeping its own scale); GREATEST and LEAST
 * ignore NULLs as PostgreSQL does (NULL only when all arguments are NULL), and order text by code point
 * (under another collation they are refused). Branches are evaluated lazily.
 */
final class ConditionalCalls {
    private ConditionalCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.name(ConditionalCalls::caseWhen, "CASE");
        r.name(ConditionalCalls::coalesce, "COALESCE");
        r.name(ConditionalCalls::nullIf, "NULLIF");
        r.name((call, t) -> extreme(call, t, 1), "GREATEST");
        r.name((call, t) -> extreme(call, t, -1), "LEAST");
    }

    /**
     * The operands converted to their common type. An untyped literal (unknown or NULL) becomes the type
     * without its modifier, and then so does the result (COALESCE(char(5) column, 'zz') is bpchar: 'zz'
     * is not padded).
     */
    static List<TypedExpr> unify(RexCall call, List<TypedExpr> values) throws UnsupportedQueryException {
        List<PgType> types = new ArrayList<>();
        boolean anyUntyped = false;
        for (TypedExpr v : values) {
            boolean untyped = v.origin() == TypedExpr.Origin.NULL_LITERAL || v.origin() == TypedExpr.Origin.UNKNOWN_LITERAL;
            types.add(untyped ? null : v.type());
            anyUntyped |= untyped;
        }
        PgType common = PgTypeRules.common(types);
        if (common == null) {
            throw RexTranslator.typeMismatch(call, values.toArray(new TypedExpr[0]));
        }
        PgType target = anyUntyped ? common.base() : common;
        List<TypedExpr> out = new ArrayList<>();
        for (TypedExpr v : values) {
            out.add(v.castTo(target));
        }
        return out;
    }

    private static TypedExpr caseWhen(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        int n = call.getOperands().size();
        List<Expr> conditions = new ArrayList<>();
        List<TypedExpr> values = new ArrayList<>();
        // PostgreSQL resolves the type with the ELSE branch first (CASE WHEN .. THEN char ELSE text END is text)
        values.add(t.uncoerced(call, n - 1));
        for (int i = 0; i + 1 < n; i += 2) {
            conditions.add(LogicCalls.bool(call, t, i));
            values.add(t.uncoerced(call, i + 1));
        }
        List<TypedExpr> unified = unify(call, values);
        unified.add(unified.remove(0));
        Expr[] whens = conditions.toArray(new Expr[0]);
        Expr[] thens = unified.stream().map(TypedExpr::expr).toArray(Expr[]::new);
        return TypedExpr.computed(row -> {
            for (int i = 0; i < whens.length; i++) {
                if (Boolean.TRUE.equals(whens[i].eval(row))) {
                    return thens[i].eval(row);
                }
            }
            return thens[whens.length].eval(row);
        }, unified.get(0).type());
    }

    private static TypedExpr coalesce(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        List<TypedExpr> unified = unify(call, t.uncoercedAll(call));
        Expr[] args = unified.stream().map(TypedExpr::expr).toArray(Expr[]::new);
        return TypedExpr.computed(row -> {
            for (Expr a : args) {
                Object v = a.eval(row);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }, unified.get(0).type());
    }

    /** NULLIF(a, b): NULL when a = b (PostgreSQL's = for the two types), else a. */
    private static TypedExpr nullIf(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr a = t.uncoerced(call, 0);
        List<TypedExpr> both = ComparisonCalls.comparable(call, a, t.uncoerced(call, 1));
        ComparisonCalls.checkCollation(call, t, both.get(0).type(), false);
        Expr value = a.expr();
        Expr x = both.get(0).expr();
        Expr y = both.get(1).expr();
        return TypedExpr.computed(row -> {
            Object u = x.eval(row);
            Object v = y.eval(row);
            boolean equal = u != null && v != null && PgCompare.compare(u, v) == 0;
            return equal ? null : value.eval(row);
        }, a.origin() == TypedExpr.Origin.UNKNOWN_LITERAL ? PgType.TEXT : a.type());
    }

    private static TypedExpr extreme(RexCall call, RexTranslator t, int sign) throws UnsupportedQueryException {
        List<TypedExpr> unified = unify(call, t.uncoercedAll(call));
        ComparisonCalls.checkCollation(call, t, unified.get(0).type(), true);
        Expr[] args = unified.stream().map(TypedExpr::expr).toArray(Expr[]::new);
        return TypedExpr.computed(row -> {
            Object best = null;
            for (Expr a : args) {
                Object v = a.eval(row);
                if (v != null && (best == null || sign * PgCompare.compare(v, best) > 0)) {
                    best = v;
                }
            }
            return best;
        }, unified.get(0).type());
    }
}
