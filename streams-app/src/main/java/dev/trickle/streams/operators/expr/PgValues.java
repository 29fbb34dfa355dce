package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.Row;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * PostgreSQL's input and output functions for the engine's types. Java representation:
 * smallint/integer/bigint → {@link Long}; numeric → {@link BigDecimal} (its scale is PostgreSQL's display
 * scale); real → {@link Float}; double precision → {@link Double}; boolean → {@link Boolean};
 * text/varchar/char → {@link String} (char keeps its padding, as PostgreSQL stores it);
 * date → {@link LocalDate}; timestamp → {@link LocalDateTime}; timestamptz → {@link Timestamptz}.
 */
public final class PgValues {
    private static final Pattern INTEGER = Pattern.compile("\\s*[+-]?\\d+\\s*");
    private static final Pattern NUMERIC = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private PgValues() {
    }

    /**
     * A column value that stands for an error PostgreSQL raises only where the value is used (a scalar
     * subquery that returned several rows): reading it with {@link #parse} raises the error, and so does
     * a stream table row that carries it. PostgreSQL's text never contains NUL, so no value is mistaken for one.
     */
    public static String deferredError(String message) {
        return '\0' + message;
    }

    /** The message of a {@link #deferredError}, or null for any other value. */
    public static String deferredErrorMessage(String text) {
        return text != null && !text.isEmpty() && text.charAt(0) == '\0' ? text.substring(1) : null;
    }

    /** The value of {@code text} as an input of type {@code type} (PostgreSQL's input function). */
    public static Object parse(String text, PgType type) throws EvaluationException {
        if (text == null) {
            return null;
        }
        String deferred = deferredErrorMessage(text);
        if (deferred != null) {
            throw new EvaluationException(deferred);
        }
        return switch (type.kind()) {
            case INT2, INT4, INT8 -> parseInteger(text, type);
            case NUMERIC -> parseNumeric(text);
            case FLOAT4 -> PgFloats.parseFloat(text);
            case FLOAT8 -> PgFloats.parseDouble(text, "double precision");
            case BOOL -> parseBoolean(text);
            case TEXT, VARCHAR, BPCHAR, OTHER -> text;
            case DATE -> PgDateTime.parseDate(text);
            case TIMESTAMP -> PgDateTime.parseTimestamp(text);
            case TIMESTAMPTZ -> PgDateTime.parseTimestamptz(text);
        };
    }

    /**
     * Column {@code index} of {@code row} as a value of {@code type}: parsed once per row when the row is a
     * {@link Row} (every row the operators make is), at each call otherwise.
     */
    public static Object column(List<String> row, int index, PgType type) throws EvaluationException {
        return row instanceof Row r ? r.parsed(index, type, PgValues::parse) : parse(row.get(index), type);
    }

    /** The text PostgreSQL's output function gives for {@code value} of type {@code type}. */
    public static String format(Object value, PgType type) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof Double d) {
            return PgFloats.format(d);
        }
        if (value instanceof Float f) {
            return PgFloats.format(f);
        }
        if (value instanceof Boolean b) {
            return b ? "t" : "f";
        }
        if (value instanceof LocalDate d) {
            return PgDateTime.formatDate(d);
        }
        if (value instanceof LocalDateTime t) {
            return PgDateTime.formatTimestamp(t);
        }
        if (value instanceof Timestamptz t) {
            return t.text();
        }
        return value.toString();
    }

    /** The value cast to text ({@code value::text}): the output function, except booleans and char padding. */
    public static String toText(Object value, PgType type) {
        if (value instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (value instanceof String s && type.kind() == PgType.Kind.BPCHAR) {
            return rtrimSpaces(s);
        }
        return format(value, type);
    }

    /** char(n) to text: PostgreSQL drops the trailing blanks. */
    public static String rtrimSpaces(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(0, end);
    }

    public static long parseInteger(String text, PgType type) throws EvaluationException {
        long plain = plainLong(text);
        if (plain != NOT_PLAIN && PgIntegers.fits(plain, type)) {
            return plain;
        }
        if (!INTEGER.matcher(text).matches()) {
            throw new EvaluationException("invalid input syntax for type " + type.base().sqlName() + ": \"" + text + "\"");
        }
        try {
            long v = Long.parseLong(text.trim().replace("+", ""));
            if (!PgIntegers.fits(v, type)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new EvaluationException("value \"" + text + "\" is out of range for type " + type.base().sqlName());
        }
    }

    /** Marks a text {@link #plainLong} leaves to the general parser. */
    private static final long NOT_PLAIN = Long.MIN_VALUE;

    /**
     * The value of an integer written as PostgreSQL's output function writes it (an optional minus, at most 18
     * digits: no overflow), else {@link #NOT_PLAIN}: the text of nearly every integer column, parsed without the
     * general syntax check.
     */
    private static long plainLong(String text) {
        int n = text.length();
        int i = n > 0 && text.charAt(0) == '-' ? 1 : 0;
        if (n == i || n - i > 18) {
            return NOT_PLAIN;
        }
        long v = 0;
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return NOT_PLAIN;
            }
            v = v * 10 + (c - '0');
        }
        return text.charAt(0) == '-' ? -v : v;
    }

    /** Whether {@code t} is digits with at most one point, after an optional minus (PostgreSQL's numeric output). */
    private static boolean plainDecimal(String t) {
        int n = t.length();
        int i = n > 0 && t.charAt(0) == '-' ? 1 : 0;
        boolean digit = false;
        boolean point = false;
        for (; i < n; i++) {
            char c = t.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c == '.' && !point) {
                point = true;
            } else {
                return false;
            }
        }
        return digit;
    }

    public static BigDecimal parseNumeric(String text) throws EvaluationException {
        if (plainDecimal(text)) {
            // no exponent: the scale is never negative
            return new BigDecimal(text);
        }
        String t = text.trim();
        if (!NUMERIC.matcher(t).matches()) {
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.equals("nan") || lower.endsWith("infinity") || lower.endsWith("inf")) {
                throw new EvaluationException("numeric value " + t + " is not supported by the incremental engine");
            }
            throw new EvaluationException("invalid input syntax for type numeric: \"" + text + "\"");
        }
        BigDecimal d = new BigDecimal(t);
        // PostgreSQL's display scale is never negative: 1.5e3 is 1500
        return d.scale() < 0 ? d.setScale(0) : d;
    }

    public static boolean parseBoolean(String text) throws EvaluationException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
            switch (t.charAt(0)) {
                case 't': if ("true".startsWith(t)) { return true; } break;
                case 'f': if ("false".startsWith(t)) { return false; } break;
                case 'y': if ("yes".startsWith(t)) { return true; } break;
                case 'n': if ("no".startsWith(t)) { return false; } break;
                case 'o':
                    if (t.length() >= 2 && "on".startsWith(t)) {
                        return true;
                    }
                    if (t.length() >= 2 && "off".startsWith(t)) {
                        return false;
                    }
                    break;
                case '1': if (t.length() == 1) { return true; } break;
                case '0': if (t.length() == 1) { return false; } break;
                default: break;
            }
        }
        throw new EvaluationException("invalid input syntax for type boolean: \"" + text + "\"");
    }
}
