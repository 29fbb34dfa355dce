package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgIntervals.Interval;
import dev.trickle.streams.operators.expr.PgTimeZone;
import dev.trickle.streams.operators.expr.PgTimestamptz;
import dev.trickle.streams.operators.expr.Timestamptz;
import dev.trickle.streams.plan.TypedExpr.Origin;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.PgType.Kind;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;

/**
 * timestamp with time zone in expressions, computed as PostgreSQL computes it under the stream table's
 * TimeZone ({@link SessionZone}): extract / date_part / date_trunc of a timestamptz (and date_trunc of a date,
 * which PostgreSQL converts to timestamptz), date_trunc with a zone argument, timestamptz ± interval, and
 * {@code timezone(zone, x)}, PostgreSQL's function behind {@code x AT TIME ZONE zone}. A zone argument must be a
 * literal IANA zone name.
 */
final class TimestamptzCalls {
    private TimestamptzCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.name((call, t) -> atTimeZone(call, t, 0, 1), "TIMEZONE");
        r.name((call, t) -> atTimeZone(call, t, 1, 0), "PG_AT_TIME_ZONE");
    }

    enum Function { EXTRACT, DATE_PART, DATE_TRUNC }

    /** extract, date_part or date_trunc of a timestamptz (a date for date_trunc), the unit as text. */
    static TypedExpr part(RexCall call, TypedExpr unit, TypedExpr value, Function f) throws UnsupportedQueryException {
        ZoneId zone = call.getOperands().size() > 2 ? literalZone(call, call.getOperands().get(2)) : SessionZone.current();
        Expr x = value.castTo(PgType.TIMESTAMPTZ).expr();
        Expr u = unit.asText().expr();
        return TypedExpr.computed(row -> {
            Object text = u.eval(row);
            Object v = x.eval(row);
            if (text == null || v == null) {
                return null;
            }
            Timestamptz t = (Timestamptz) v;
            return switch (f) {
                case EXTRACT -> PgTimestamptz.extract((String) text, t, zone);
                case DATE_PART -> PgTimestamptz.datePart((String) text, t, zone);
                case DATE_TRUNC -> PgTimestamptz.trunc((String) text, t, zone);
            };
        }, switch (f) {
            case EXTRACT -> PgType.NUMERIC;
            case DATE_PART -> PgType.FLOAT8;
            case DATE_TRUNC -> PgType.TIMESTAMPTZ;
        });
    }

    /** timestamptz ± interval, in the session's TimeZone (calendar months and days keep the wall-clock time). */
    static TypedExpr shifted(TypedExpr base, Interval by) throws UnsupportedQueryException {
        ZoneId zone = SessionZone.current();
        Expr x = base.expr();
        return TypedExpr.computed(row -> {
            Object v = x.eval(row);
            return v == null ? null : PgTimestamptz.plusInterval((Timestamptz) v, by.months(), by.days(), by.micros(), zone);
        }, PgType.TIMESTAMPTZ);
    }

    /**
     * {@code timezone(zone, timestamptz)}: the local time there (a timestamp); {@code timezone(zone, timestamp)}:
     * the timestamptz of that local time there (a date is first a timestamp).
     */
    private static TypedExpr atTimeZone(RexCall call, RexTranslator t, int zoneAt, int valueAt) throws UnsupportedQueryException {
        ZoneId zone = literalZone(call, call.getOperands().get(zoneAt));
        TypedExpr value = t.uncoerced(call, valueAt);
        Kind kind = value.type().kind();
        if (value.origin() == Origin.UNKNOWN_LITERAL || kind == Kind.TIMESTAMPTZ) {
            // an unknown literal resolves to timestamptz, PostgreSQL's preferred type of the category
            Expr x = value.castTo(PgType.TIMESTAMPTZ).expr();
            return TypedExpr.computed(row -> {
                Object v = x.eval(row);
                return v == null ? null : PgTimestamptz.toTimestamp((Timestamptz) v, zone);
            }, PgType.TIMESTAMP);
        }
        if (kind == Kind.TIMESTAMP || kind == Kind.DATE) {
            Expr x = value.castTo(PgType.TIMESTAMP).expr();
            return TypedExpr.computed(row -> {
                Object v = x.eval(row);
                return v == null ? null : PgTimestamptz.fromTimestamp((LocalDateTime) v, zone);
            }, PgType.TIMESTAMPTZ);
        }
        throw RexTranslator.typeMismatch(call, value);
    }

    /** A zone operand: a literal name the engine resolves exactly as PostgreSQL does. */
    private static ZoneId literalZone(RexCall call, RexNode operand) throws UnsupportedQueryException {
        while (operand.getKind() == SqlKind.CAST && operand instanceof RexCall cast) {
            operand = cast.getOperands().get(0);
        }
        if (!(operand instanceof RexLiteral literal) || literal.isNull()) {
            String what = switch (call.getOperator().getName()) {
                case "PG_AT_TIME_ZONE" -> "AT TIME ZONE";
                default -> RexTranslator.describe(call);
            };
            throw new UnsupportedQueryException(what + " with a time zone that is not a literal",
                    "write the zone's name, e.g. 'Europe/Berlin'");
        }
        String name = literal.getValueAs(String.class);
        ZoneId zone = PgTimeZone.of(name);
        if (zone == null) {
            throw new UnsupportedQueryException("time zone '" + name + "'", "the engine knows the IANA zone names"
                    + " (e.g. 'UTC', 'America/New_York'), not abbreviations, offsets or POSIX zone strings");
        }
        return zone;
    }
}
