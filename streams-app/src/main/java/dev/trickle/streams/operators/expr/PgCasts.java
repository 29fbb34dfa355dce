package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.PgType.Kind;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * PostgreSQL's casts between the engine's types, including the target's type modifier
 * (numeric(p,s) rounding and overflow, varchar(n)/char(n) truncation and padding, timestamp(p) rounding).
 * Implicit coercions are the same casts to a target without modifier.
 */
public final class PgCasts {
    private PgCasts() {
    }

    /** Null when PostgreSQL has this cast and the engine implements it, else why not. */
    public static String unsupportedReason(PgType from, PgType to) {
        Kind f = from.kind();
        Kind t = to.kind();
        if (f == Kind.OTHER || t == Kind.OTHER) {
            return "type " + (f == Kind.OTHER ? from : to).sqlName() + " can only be passed through unchanged";
        }
        if (f == Kind.TIMESTAMPTZ || t == Kind.TIMESTAMPTZ) {
            // with date, timestamp and text: computed under the stream table's TimeZone (cast with a zone)
            PgType other = f == Kind.TIMESTAMPTZ ? to : from;
            Kind o = other.kind();
            return o == Kind.TIMESTAMPTZ || o == Kind.DATE || o == Kind.TIMESTAMP || other.isString() ? null
                    : "PostgreSQL cannot cast " + from.sqlName() + " to " + to.sqlName();
        }
        if (f == t || from.isString() || to.isString()) {
            return null;
        }
        if (from.isNumber() && to.isNumber()) {
            return null;
        }
        if ((f == Kind.INT4 && t == Kind.BOOL) || (f == Kind.BOOL && t == Kind.INT4)) {
            return null;
        }
        if ((f == Kind.DATE || f == Kind.TIMESTAMP) && (t == Kind.DATE || t == Kind.TIMESTAMP)) {
            return null;
        }
        return "PostgreSQL cannot cast " + from.sqlName() + " to " + to.sqlName();
    }

    public static Object cast(Object v, PgType from, PgType to) throws EvaluationException {
        if (v == null) {
            return null;
        }
        return switch (to.kind()) {
            case INT2, INT4, INT8 -> toInteger(v, from, to);
            case NUMERIC -> PgNumerics.applyTypmod(toNumeric(v, from), to.precision(), to.scale());
            case FLOAT4 -> toFloat4(v, from);
            case FLOAT8 -> toFloat8(v, from);
            case BOOL -> v instanceof Long l ? Boolean.valueOf(l != 0)
                    : v instanceof String s ? (Object) PgValues.parseBoolean(s) : v;
            case TEXT, VARCHAR, BPCHAR -> toString(v, from, to);
            case DATE -> v instanceof String s ? PgDateTime.parseDate(s)
                    : v instanceof LocalDateTime t ? PgDateTime.toDate(t) : v;
            case TIMESTAMP -> PgDateTime.roundToPrecision(toTimestamp(v), to.precision());
            case TIMESTAMPTZ -> v instanceof String s ? PgDateTime.parseTimestamptz(s) : v;
            case OTHER -> throw new EvaluationException("cannot cast to " + to.sqlName());
        };
    }

    /**
     * A cast under the session's TimeZone {@code zone}: between timestamp with time zone and date, timestamp or
     * text the zone decides the value (PostgreSQL's timestamptz in, out and conversion functions); any other
     * cast is {@link #cast(Object, PgType, PgType)}.
     */
    public static Object cast(Object v, PgType from, PgType to, ZoneId zone) throws EvaluationException {
        Kind f = from.kind();
        Kind t = to.kind();
        if (v == null || f != Kind.TIMESTAMPTZ && t != Kind.TIMESTAMPTZ) {
            return cast(v, from, to);
        }
        if (t == Kind.TIMESTAMPTZ) {
            Timestamptz r = switch (f) {
                case DATE -> PgTimestamptz.fromDate((LocalDate) v, zone);
                case TIMESTAMP -> PgTimestamptz.fromTimestamp((LocalDateTime) v, zone);
                case TIMESTAMPTZ -> (Timestamptz) v;
                default -> PgTimestamptz.parse((String) v, zone);
            };
            if (to.precision() < 0) {
                return r;
            }
            // timestamptz(p) rounds the instant the way timestamp(p) rounds a UTC time
            LocalDateTime utc = PgTimestamptz.toTimestamp(r, ZoneOffset.UTC);
            return PgTimestamptz.fromTimestamp(PgDateTime.roundToPrecision(utc, to.precision()), ZoneOffset.UTC);
        }
        Timestamptz value = (Timestamptz) v;
        return switch (t) {
            case DATE -> PgTimestamptz.toDate(value, zone);
            case TIMESTAMP -> PgDateTime.roundToPrecision(PgTimestamptz.toTimestamp(value, zone), to.precision());
            default -> cast(PgTimestamptz.format(value, zone), PgType.TEXT, to);
        };
    }

    private static long toInteger(Object v, PgType from, PgType to) throws EvaluationException {
        if (v instanceof Long l) {
            return PgIntegers.check(l, to);
        }
        if (v instanceof BigDecimal d) {
            return PgNumerics.toInteger(d, to);
        }
        if (v instanceof Double || v instanceof Float) {
            // float to integer rounds half to even (rint), unlike numeric
            double d = Math.rint(((Number) v).doubleValue());
            if (Double.isNaN(d) || d < -9.223372036854775808E18 || d >= 9.223372036854775808E18) {
                throw new EvaluationException(PgIntegers.outOfRange(to));
            }
            return PgIntegers.check((long) d, to);
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return PgValues.parseInteger((String) v, to);
    }

    private static BigDecimal toNumeric(Object v, PgType from) throws EvaluationException {
        if (v instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (v instanceof BigDecimal d) {
            return d;
        }
        if (v instanceof Double d) {
            return PgNumerics.fromFloat(d, 15);
        }
        if (v instanceof Float f) {
            return PgNumerics.fromFloat(f, 6);
        }
        return PgValues.parseNumeric((String) v);
    }

    private static float toFloat4(Object v, PgType from) throws EvaluationException {
        if (v instanceof Long l) {
            return (float) l;
        }
        if (v instanceof BigDecimal d) {
            return PgFloats.toFloat(PgNumerics.toDouble(d));
        }
        if (v instanceof Double d) {
            return PgFloats.toFloat(d);
        }
        if (v instanceof Float f) {
            return f;
        }
        return PgFloats.parseFloat((String) v);
    }

    private static double toFloat8(Object v, PgType from) throws EvaluationException {
        if (v instanceof Long l) {
            return (double) l;
        }
        if (v instanceof BigDecimal d) {
            return PgNumerics.toDouble(d);
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return PgFloats.parseDouble((String) v, "double precision");
    }

    private static LocalDateTime toTimestamp(Object v) throws EvaluationException {
        if (v instanceof String s) {
            return PgDateTime.parseTimestamp(s);
        }
        return v instanceof LocalDate d ? PgDateTime.toTimestamp(d) : (LocalDateTime) v;
    }

    private static String toString(Object v, PgType from, PgType to) {
        // char(n) to char keeps its blanks; to any other string type it loses them
        boolean keepBlanks = from.kind() == Kind.BPCHAR && to.kind() == Kind.BPCHAR;
        String s = keepBlanks ? (String) v : PgValues.toText(v, from);
        if (to.precision() < 0) {
            return s;
        }
        int n = to.precision();
        int chars = s.codePointCount(0, s.length());
        if (chars > n) {
            // an explicit cast truncates silently (an assignment would raise an error instead)
            s = s.substring(0, s.offsetByCodePoints(0, n));
            chars = n;
        }
        if (to.kind() == Kind.BPCHAR && chars < n) {
            s = s + " ".repeat(n - chars);
        }
        return s;
    }
}
