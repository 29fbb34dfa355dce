package dev.trickle.streams.operators.expr;

import dev.trickle.core.connect.PgFloatText;
import dev.trickle.streams.rows.EvaluationException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code real} and {@code double precision} text forms and arithmetic checks, as PostgreSQL 12+ does them:
 * output is the shortest text that reads back to the same value, fixed-point for decimal exponents in
 * [-4, 15) (real: [-4, 6)), else {@code 1.5e+20}; arithmetic raises {@code value out of range} on overflow
 * and underflow instead of producing infinities or zeros.
 */
public final class PgFloats {
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private PgFloats() {
    }

    /** PostgreSQL's output text; one implementation, shared with the topic records (core). */
    public static String format(double d) {
        return PgFloatText.format(d);
    }

    public static String format(float f) {
        return PgFloatText.format(f);
    }

    /** PostgreSQL's float8in: whitespace, NaN and [+-]Infinity/inf accepted; out-of-range is an error. */
    public static double parseDouble(String text, String typeName) throws EvaluationException {
        String t = text.trim();
        switch (t.toLowerCase(Locale.ROOT)) {
            case "nan": return Double.NaN;
            case "infinity", "+infinity", "inf", "+inf": return Double.POSITIVE_INFINITY;
            case "-infinity", "-inf": return Double.NEGATIVE_INFINITY;
            default: break;
        }
        if (!NUMBER.matcher(t).matches()) {
            throw new EvaluationException("invalid input syntax for type " + typeName + ": \"" + text + "\"");
        }
        double d = Double.parseDouble(t);
        boolean tooSmall = d == 0 && new BigDecimal(t).signum() != 0;
        if (Double.isInfinite(d) || tooSmall) {
            throw new EvaluationException("\"" + text + "\" is out of range for type " + typeName);
        }
        return d;
    }

    public static float parseFloat(String text) throws EvaluationException {
        double d = parseDouble(text, "real");
        float f = (float) d;
        if ((Float.isInfinite(f) && !Double.isInfinite(d)) || (f == 0 && d != 0)) {
            throw new EvaluationException("\"" + text + "\" is out of range for type real");
        }
        return f;
    }

    /** PostgreSQL's check after +, - (overflow only). */
    public static double checkSum(double result, double a, double b) throws EvaluationException {
        if (Double.isInfinite(result) && !Double.isInfinite(a) && !Double.isInfinite(b)) {
            throw new EvaluationException("value out of range: overflow");
        }
        return result;
    }

    /** PostgreSQL's check after *: overflow, and underflow when a non-zero product became zero. */
    public static double checkProduct(double result, double a, double b) throws EvaluationException {
        checkSum(result, a, b);
        if (result == 0 && a != 0 && b != 0) {
            throw new EvaluationException("value out of range: underflow");
        }
        return result;
    }

    public static double divide(double a, double b) throws EvaluationException {
        if (b == 0) {
            throw new EvaluationException("division by zero");
        }
        double r = a / b;
        if (Double.isInfinite(r) && !Double.isInfinite(a)) {
            throw new EvaluationException("value out of range: overflow");
        }
        if (r == 0 && a != 0 && !Double.isInfinite(b)) {
            throw new EvaluationException("value out of range: underflow");
        }
        return r;
    }

    /** Narrows a double result to real with PostgreSQL's float4 range checks. */
    public static float toFloat(double d) throws EvaluationException {
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
            throw new EvaluationException("value out of range: overflow");
        }
        if (f == 0 && d != 0) {
            throw new EvaluationException("value out of range: underflow");
        }
        return f;
    }
}
