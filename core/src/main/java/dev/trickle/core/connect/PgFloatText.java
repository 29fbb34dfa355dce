package dev.trickle.core.connect;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * PostgreSQL 12+'s text output of {@code real} and {@code double precision}: the shortest text that reads
 * back to the same value, fixed-point for decimal exponents in [-4, 15) (real: [-4, 6)), else {@code 1.5e+20};
 * {@code NaN}, {@code Infinity}, {@code -Infinity}, {@code -0}. A float carried as a Connect FLOAT32/FLOAT64
 * turns back into exactly the text PostgreSQL printed, which equality with recomputation needs.
 */
public final class PgFloatText {
    private PgFloatText() {
    }

    public static String format(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(d);
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(r.toString()) == d) {
                return layout(r, 15);
            }
        }
        return layout(exact.round(new MathContext(17, RoundingMode.HALF_EVEN)), 15);
    }

    public static String format(float f) {
        if (Float.isNaN(f)) {
            return "NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "Infinity" : "-Infinity";
        }
        if (f == 0) {
            return 1 / f < 0 ? "-0" : "0";
        }
        BigDecimal exact = new BigDecimal(f);
        for (int p = 1; p <= 9; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (Float.parseFloat(r.toString()) == f) {
                return layout(r, 6);
            }
        }
        return layout(exact.round(new MathContext(9, RoundingMode.HALF_EVEN)), 6);
    }

    /** PostgreSQL's output text (NaN, [-]Infinity, plain or exponent form) as a double. */
    public static double parseDouble(String text) {
        return switch (text) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** Fixed-point when the leading digit's exponent is in [-4, maxFixed), else d.ddde±XX like printf's %g. */
    private static String layout(BigDecimal v, int maxFixed) {
        BigDecimal s = v.stripTrailingZeros();
        int exp = s.precision() - s.scale() - 1;
        if (exp >= -4 && exp < maxFixed) {
            return s.toPlainString();
        }
        String digits = s.unscaledValue().abs().toString();
        StringBuilder b = new StringBuilder();
        if (s.signum() < 0) {
            b.append('-');
        }
        b.append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exp < 0 ? '-' : '+');
        int a = Math.abs(exp);
        if (a < 10) {
            b.append('0');
        }
        return b.append(a).toString();
    }
}
