package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgDateParts;
import dev.trickle.streams.operators.expr.PgDateTime;
import dev.trickle.streams.operators.expr.PgIntervals;
import dev.trickle.streams.operators.expr.PgIntervals.Interval;
import dev.trickle.streams.plan.TypedExpr.Origin;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.PgType.Kind;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;

/**
 * Dates and timestamps: {@code extract(unit FROM x)} (numeric), {@code date_part(text, x)} (double precision),
 * {@code date_trunc(text, timestamp)}, {@code date ± integer}, {@code date - date} (integer), and date or
 * timestamp ± an interval literal (a timestamp). Those of timestamp with time zone, whose values depend on the
 * session's TimeZone, and {@code date_trunc} of a date (PostgreSQL converts the date to timestamp with time
 * zone) are {@link TimestamptzCalls}'.
 */
final class DateTimeCalls {
    private DateTimeCalls() {
    }

    static void register(RexTranslator.Registry r) {
        r.name((call, t) -> part(call, t, Function.EXTRACT), "PG_EXTRACT");
        r.name((call, t) -> part(call, t, Function.DATE_PART), "DATE_PART");
        r.name((call, t) -> part(call, t, Function.DATE_TRUNC), "DATE_TRUNC", "PG_DATE_TRUNC");
        r.name((call, t) -> {
            throw new UnsupportedQueryException("interval value", "only date or timestamp ± an interval literal is maintained");
        }, "PG_INTERVAL");
    }

    /** Whether + or - has a date, timestamp or interval operand: then {@link #arithmetic} computes it. */
    static boolean isDateTimeArithmetic(RexCall call) {
        for (RexNode operand : call.getOperands()) {
            SqlTypeFamily family = uncoerced(operand).getType().getSqlTypeName().getFamily();
            if (family == SqlTypeFamily.DATE || family == SqlTypeFamily.TIMESTAMP
                    || family == SqlTypeFamily.INTERVAL_YEAR_MONTH || family == SqlTypeFamily.INTERVAL_DAY_TIME) {
                return true;
            }
        }
        return false;
    }

    private static RexNode uncoerced(RexNode n) {
        while (n.getKind() == SqlKind.CAST && n instanceof RexCall cast) {
            n = cast.getOperands().get(0);
        }
        return n;
    }

    private enum Function { EXTRACT, DATE_PART, DATE_TRUNC }

    /**
     * extract(unit FROM date or timestamp) (written {@code PG_EXTRACT('unit', x)}), date_part(text, date or
     * timestamp), date_trunc(text, timestamp): the unit is text, usually a literal.
     */
    private static TypedExpr part(RexCall call, RexTranslator t, Function f) throws UnsupportedQueryException {
        TypedExpr unit = t.uncoerced(call, 0);
        TypedExpr value = t.uncoerced(call, 1);
        if (!unit.type().isString() && unit.origin() != Origin.NULL_LITERAL) {
            throw RexTranslator.typeMismatch(call, unit, value);
        }
        Kind kind = value.type().kind();
        if (value.origin() != Origin.UNKNOWN_LITERAL && (kind == Kind.TIMESTAMPTZ || kind == Kind.DATE && f == Function.DATE_TRUNC
                || call.getOperands().size() > 2)) {
            return TimestamptzCalls.part(call, unit, value, TimestamptzCalls.Function.valueOf(f.name()));
        }
        boolean supported = kind == Kind.TIMESTAMP || kind == Kind.DATE;
        if (value.origin() == Origin.UNKNOWN_LITERAL || !supported) {
            throw unsupportedOperand(call, value);
        }
        // extract has its own function for dates; date_part of a date is date_part of it as a timestamp
        boolean date = kind == Kind.DATE && f == Function.EXTRACT;
        Expr x = kind == Kind.DATE && !date ? value.castTo(PgType.TIMESTAMP).expr() : value.expr();
        Expr u = unit.asText().expr();
        return TypedExpr.computed(row -> {
            Object text = u.eval(row);
            Object v = x.eval(row);
            if (text == null || v == null) {
                return null;
            }
            return switch (f) {
                case EXTRACT -> date ? PgDateParts.extract((String) text, (LocalDate) v)
                        : PgDateParts.extract((String) text, (LocalDateTime) v);
                case DATE_PART -> PgDateParts.datePart((String) text, (LocalDateTime) v);
                case DATE_TRUNC -> PgDateParts.trunc((String) text, (LocalDateTime) v);
            };
        }, switch (f) {
            case EXTRACT -> PgType.NUMERIC;
            case DATE_PART -> PgType.FLOAT8;
            case DATE_TRUNC -> PgType.TIMESTAMP;
        });
    }

    private static UnsupportedQueryException unsupportedOperand(RexCall call, TypedExpr value) {
        String name = call.getOperator().getName().equals("PG_EXTRACT") ? "function extract()" : RexTranslator.describe(call);
        return new UnsupportedQueryException(name + " on " + (value.origin() == Origin.UNKNOWN_LITERAL ? "unknown"
                : value.type().sqlName()), "write a cast to date or timestamp");
    }

    /** + and - with a date, timestamp or interval operand. */
    static TypedExpr arithmetic(RexCall call, RexTranslator t) throws UnsupportedQueryException {
        boolean minus = call.getKind() == SqlKind.MINUS;
        Interval left = interval(uncoerced(call.getOperands().get(0)));
        Interval right = interval(uncoerced(call.getOperands().get(1)));
        if (left != null && right != null || left != null && minus) {
            throw new UnsupportedQueryException("interval arithmetic", "only date or timestamp ± an interval literal is maintained");
        }
        if (right != null) {
            return shifted(call, t.uncoerced(call, 0), minus ? right.negate() : right);
        }
        if (left != null) {
            return shifted(call, t.uncoerced(call, 1), left);
        }
        TypedExpr a = t.uncoerced(call, 0);
        TypedExpr b = t.uncoerced(call, 1);
        // an unknown literal is taken as the other operand's type (date - '2024-01-01' is date - date)
        if (a.origin() == Origin.UNKNOWN_LITERAL && b.type().isDateTime()) {
            a = a.castTo(b.type().base());
        } else if (b.origin() == Origin.UNKNOWN_LITERAL && a.type().isDateTime()) {
            b = b.castTo(a.type().base());
        }
        if (a.type().kind() == Kind.DATE && isInt4(b)) {
            return plusDays(a, b, minus);
        }
        if (!minus && isInt4(a) && b.type().kind() == Kind.DATE) {
            return plusDays(b, a, false);
        }
        if (minus && a.type().kind() == Kind.DATE && b.type().kind() == Kind.DATE) {
            Expr x = a.expr();
            Expr y = b.expr();
            return TypedExpr.computed(row -> {
                Object u = x.eval(row);
                Object v = y.eval(row);
                return u == null || v == null ? null : PgDateTime.daysBetween((LocalDate) u, (LocalDate) v);
            }, PgType.INT4);
        }
        throw RexTranslator.typeMismatch(call, a, b);
    }

    /** integer or smallint (PostgreSQL has date + integer, and smallint converts to integer; bigint does not). */
    private static boolean isInt4(TypedExpr e) {
        Kind k = e.type().kind();
        return e.origin() != Origin.UNKNOWN_LITERAL && e.origin() != Origin.NULL_LITERAL && (k == Kind.INT4 || k == Kind.INT2);
    }

    private static TypedExpr plusDays(TypedExpr date, TypedExpr days, boolean minus) {
        Expr d = date.expr();
        Expr n = days.expr();
        return TypedExpr.computed(row -> {
            Object u = d.eval(row);
            Object v = n.eval(row);
            if (u == null || v == null) {
                return null;
            }
            return PgDateTime.plusDays((LocalDate) u, minus ? -(Long) v : (Long) v);
        }, PgType.DATE);
    }

    /** date or timestamp ± interval: a timestamp (a date is first converted to one). */
    private static TypedExpr shifted(RexCall call, TypedExpr base, Interval by) throws UnsupportedQueryException {
        Kind kind = base.type().kind();
        if (kind == Kind.TIMESTAMPTZ && base.origin() != Origin.UNKNOWN_LITERAL) {
            return TimestamptzCalls.shifted(base, by);
        }
        if (kind != Kind.DATE && kind != Kind.TIMESTAMP || base.origin() == Origin.UNKNOWN_LITERAL) {
            throw new UnsupportedQueryException(RexTranslator.describe(call) + " on " + base.type().sqlName() + " and interval");
        }
        Expr x = base.castTo(PgType.TIMESTAMP).expr();
        return TypedExpr.computed(row -> {
            Object v = x.eval(row);
            return v == null ? null : PgDateTime.plusInterval((LocalDateTime) v, by.months(), by.days(), by.micros());
        }, PgType.TIMESTAMP);
    }

    /**
     * The value of an interval literal (the SQL standard's, or PostgreSQL's {@code interval '1 day'} as
     * {@code PG_INTERVAL('1 day')}), or null when {@code n} is none.
     */
    private static Interval interval(RexNode n) throws UnsupportedQueryException {
        if (n instanceof RexCall call && call.getOperator().getName().equals("PG_INTERVAL")
                && call.getOperands().get(0) instanceof RexLiteral text) {
            String value = text.getValueAs(String.class);
            Interval parsed = PgIntervals.parse(value);
            if (parsed == null) {
                throw new UnsupportedQueryException("interval literal '" + value + "'",
                        "the engine reads PostgreSQL's own style ('1 year 2 months 3 days 04:05:06') and the SQL standard's"
                                + " INTERVAL '3' DAY");
            }
            return parsed;
        }
        if (!(n instanceof RexLiteral literal) || literal.isNull()) {
            return null;
        }
        SqlTypeFamily family = literal.getType().getSqlTypeName().getFamily();
        if (family == SqlTypeFamily.INTERVAL_YEAR_MONTH) {
            return new Interval(literal.getValueAs(BigDecimal.class).longValueExact(), 0, 0);
        }
        if (family == SqlTypeFamily.INTERVAL_DAY_TIME) {
            // Calcite holds day-time intervals in milliseconds (a day as 24 hours, the same for a timestamp)
            return new Interval(0, 0, literal.getValueAs(BigDecimal.class).longValueExact() * 1000);
        }
        return null;
    }
}
