package dev.trickle.streams.plan;

import dev.trickle.streams.plan.TypedExpr.Origin;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.PgTypeMapping;
import dev.trickle.streams.sql.UnsupportedQueryException;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.sql.SqlKind;

/**
 * Casts. {@code PG_CAST(x, 'type')} is a cast the user wrote: PostgreSQL's explicit cast to the exact type,
 * modifier included. A plain CAST was inserted by Calcite's type coercion and stands for one of
 * PostgreSQL's implicit coercions: an unknown literal takes the target type (input function); a value
 * becomes text for text operators; between numbers, strings or date/timestamp it is left to the consuming
 * operator, which applies PostgreSQL's own operand resolution (Calcite's choice can differ, e.g. real).
 */
final class CastCalls {
    private CastCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.name(CastCalls::explicit, "PG_CAST");
        r.kind(CastCalls::implicit, SqlKind.CAST);
    }

    private static TypedExpr explicit(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        String typeName = ((RexLiteral) call.getOperands().get(1)).getValueAs(String.class);
        PgType target = PgType.parse(typeName);
        if (target.kind() == PgType.Kind.OTHER) {
            throw new UnsupportedQueryException("cast to " + typeName);
        }
        TypedExpr value = t.operand(call, 0);
        TypedExpr cast = value.castTo(target);
        return value.origin() == Origin.NULL_LITERAL ? new TypedExpr(cast.expr(), target, Origin.NULL_LITERAL) : cast;
    }

    private static TypedExpr implicit(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        TypedExpr value = t.operand(call, 0);
        PgType target = PgTypeMapping.fromCalcite(call.getType());
        if (target == null) {
            throw new UnsupportedQueryException("type " + call.getType().getSqlTypeName().getName().toLowerCase());
        }
        Origin origin = value.origin();
        if (origin == Origin.UNKNOWN_LITERAL || origin == Origin.NULL_LITERAL) {
            TypedExpr cast = value.castTo(target);
            return new TypedExpr(cast.expr(), target, origin == Origin.NULL_LITERAL ? origin : Origin.LITERAL);
        }
        PgType from = value.type();
        if (sameCategory(from, target)) {
            return value;
        }
        if (target.isString()) {
            return value.asText();
        }
        if (from.isString()) {
            throw new UnsupportedQueryException("implicit cast from " + from.sqlName() + " to " + target.sqlName(),
                    "PostgreSQL has no such implicit cast; write an explicit cast");
        }
        return value.castTo(target);
    }

    private static boolean sameCategory(PgType a, PgType b) {
        if (a.isNumber() && b.isNumber() || a.isString() && b.isString()) {
            return true;
        }
        boolean aDate = a.kind() == PgType.Kind.DATE || a.kind() == PgType.Kind.TIMESTAMP;
        boolean bDate = b.kind() == PgType.Kind.DATE || b.kind() == PgType.Kind.TIMESTAMP;
        return aDate && bDate || a.kind() == b.kind();
    }
}
