package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgCasts;
import dev.trickle.streams.operators.expr.PgDateTime;
import dev.trickle.streams.operators.expr.PgTimestamptz;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.expr.Timestamptz;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A compiled expression with its PostgreSQL type. {@code origin} records what PostgreSQL's type resolution
 * needs: a quoted literal or a bare NULL has type "unknown" there and takes its type from the context.
 */
public record TypedExpr(Expr expr, PgType type, Origin origin) {
    public enum Origin { COMPUTED, COLUMN, LITERAL, UNKNOWN_LITERAL, NULL_LITERAL }

    public static TypedExpr computed(Expr expr, PgType type) {
        return new TypedExpr(expr, type, Origin.COMPUTED);
    }

    public static TypedExpr constant(Object value, PgType type, Origin origin) {
        return new TypedExpr(row -> value, type, origin);
    }

    public boolean isConstant() {
        return origin == Origin.LITERAL || origin == Origin.UNKNOWN_LITERAL || origin == Origin.NULL_LITERAL;
    }

    /** This expression converted to {@code target} by PostgreSQL's (implicit or explicit) cast. */
    public TypedExpr castTo(PgType target) throws UnsupportedQueryException {
        if (target.equals(type)) {
            return this;
        }
        PgType from = type;
        if (target.kind() == PgType.Kind.TIMESTAMPTZ && from.isString() && isConstant()) {
            return timestamptzLiteral();
        }
        String reason = PgCasts.unsupportedReason(from, target);
        if (reason != null && origin != Origin.NULL_LITERAL) {
            throw new UnsupportedQueryException("cast from " + from.sqlName() + " to " + target.sqlName(), reason);
        }
        Expr inner = expr;
        if (from.kind() == PgType.Kind.TIMESTAMPTZ || target.kind() == PgType.Kind.TIMESTAMPTZ) {
            // the session's TimeZone decides these casts: the stream table's, fixed at compile time
            ZoneId zone = SessionZone.current();
            return computed(row -> PgCasts.cast(inner.eval(row), from, target, zone), target);
        }
        return computed(row -> PgCasts.cast(inner.eval(row), from, target), target);
    }

    /** A timestamptz literal: an instant, read once (without an offset, as a local time in the session's TimeZone). */
    private TypedExpr timestamptzLiteral() throws UnsupportedQueryException {
        Object text;
        try {
            text = expr.eval(List.of());
            if (text == null) {
                return constant(null, PgType.TIMESTAMPTZ, Origin.LITERAL);
            }
            // a literal with its offset does not depend on the TimeZone
            ZoneId zone = PgDateTime.hasOffset((String) text) ? ZoneOffset.UTC : SessionZone.current();
            return constant(PgTimestamptz.parse((String) text, zone), PgType.TIMESTAMPTZ, Origin.LITERAL);
        } catch (EvaluationException e) {
            throw new UnsupportedQueryException("timestamp with time zone literal", e.getMessage()
                    + "; the engine reads ISO forms such as '2024-01-01 00:00:00' or '2024-01-01 00:00:00+05:30'");
        }
    }

    /** This expression as text, the way PostgreSQL converts a value for a text operator ({@code value::text}). */
    public TypedExpr asText() throws UnsupportedQueryException {
        if (type.kind() == PgType.Kind.TEXT || type.kind() == PgType.Kind.VARCHAR) {
            return this;
        }
        String reason = PgCasts.unsupportedReason(type, PgType.TEXT);
        if (reason != null && origin != Origin.NULL_LITERAL) {
            throw new UnsupportedQueryException("use of a " + type.sqlName() + " value as text", reason);
        }
        Expr inner = expr;
        PgType from = type;
        if (from.kind() == PgType.Kind.TIMESTAMPTZ) {
            // printed in the session's TimeZone, as PostgreSQL prints it
            ZoneId zone = SessionZone.current();
            return computed(row -> {
                Object v = inner.eval(row);
                return v == null ? null : PgTimestamptz.format((Timestamptz) v, zone);
            }, PgType.TEXT);
        }
        return computed(row -> {
            Object v = inner.eval(row);
            return v == null ? null : PgValues.toText(v, from);
        }, PgType.TEXT);
    }
}
