package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgCompare;
import dev.trickle.streams.operators.expr.PgTypeRules;
import dev.trickle.streams.plan.TypedExpr.Origin;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.function.IntPredicate;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.sql.SqlKind;

/**
 * = <> < <= > >=: both sides are brought to PostgreSQL's comparison type (numbers numerically across
 * integer/numeric/float, char(n) without its padding, date against timestamp as timestamp), then ordered
 * by {@link PgCompare}. NULL on either side gives NULL. Text is ordered by code point, so ordering it
 * under another collation is refused ({@link Collations}).
 */
final class ComparisonCalls {
    private ComparisonCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.kind(ComparisonCalls::compare, SqlKind.EQUALS, SqlKind.NOT_EQUALS, SqlKind.LESS_THAN,
                SqlKind.LESS_THAN_OR_EQUAL, SqlKind.GREATER_THAN, SqlKind.GREATER_THAN_OR_EQUAL);
    }

    /** Both operands converted to their comparison type; an unknown literal takes the other side's type. */
    static List<TypedExpr> comparable(RexCall call, TypedExpr a, TypedExpr b) throws UnsupportedQueryException {
        if (isUntyped(a) && !isUntyped(b)) {
            a = a.castTo(b.type().base());
        } else if (isUntyped(b) && !isUntyped(a)) {
            b = b.castTo(a.type().base());
        }
        PgType common = PgTypeRules.comparison(a.type(), b.type());
        if (common == null) {
            throw RexTranslator.typeMismatch(call, a, b);
        }
        return List.of(a.castTo(common), b.castTo(common));
    }

    private static boolean isUntyped(TypedExpr e) {
        return e.origin() == Origin.UNKNOWN_LITERAL || e.origin() == Origin.NULL_LITERAL;
    }

    /**
     * Text is compared under the operands' collation: ordering it needs a code point collation (the
     * engine's order), equality one deterministic collation that PostgreSQL can determine.
     */
    static void checkCollation(RexCall call, RexTranslator t, PgType common, boolean ordering) throws UnsupportedQueryException {
        if (!common.isString()) {
            return;
        }
        if (ordering) {
            t.collations().requireCodePointOrder(call);
        } else {
            t.collations().requireDeterminate(call, "text comparison");
        }
    }

    private static TypedExpr compare(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        SqlKind kind = call.getKind();
        if (kind == SqlKind.EQUALS || kind == SqlKind.NOT_EQUALS) {
            TypedExpr jsonb = JsonbCalls.equality(call, t, kind == SqlKind.EQUALS);
            if (jsonb != null) {
                return jsonb;
            }
        }
        List<TypedExpr> both = comparable(call, t.uncoerced(call, 0), t.uncoerced(call, 1));
        checkCollation(call, t, both.get(0).type(), kind != SqlKind.EQUALS && kind != SqlKind.NOT_EQUALS);
        Expr a = both.get(0).expr();
        Expr b = both.get(1).expr();
        IntPredicate test = switch (kind) {
            case EQUALS -> c -> c == 0;
            case NOT_EQUALS -> c -> c != 0;
            case LESS_THAN -> c -> c < 0;
            case LESS_THAN_OR_EQUAL -> c -> c <= 0;
            case GREATER_THAN -> c -> c > 0;
            default -> c -> c >= 0;
        };
        return TypedExpr.computed(row -> {
            // both sides are evaluated before the NULL check (an error on the right still counts), like PostgreSQL
            Object x = a.eval(row);
            Object y = b.eval(row);
            return x == null || y == null ? null : test.test(PgCompare.compare(x, y));
        }, PgType.BOOL);
    }
}
