package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * numeric arithmetic with PostgreSQL's result scales. A {@link BigDecimal}'s scale is PostgreSQL's
 * display scale: + and - keep the larger scale, * adds the scales (both are what BigDecimal does),
 * / uses {@link #divisionScale} (PostgreSQL's select_div_scale) and rounds half away from zero.
 */
public final class PgNumerics {
    /** PostgreSQL's NUMERIC_MIN_SIG_DIGITS: a quotient gets at least this many significant digits. */
    private static final int MIN_SIG_DIGITS = 16;
    /** PostgreSQL stores numerics in base-10000 digits (DEC_DIGITS = 4); the scale rule counts those. */
    private static final int DEC_DIGITS = 4;
    private static final int MAX_DISPLAY_SCALE = 1000;

    private PgNumerics() {
    }

    public static BigDecimal divide(BigDecimal a, BigDecimal b) throws EvaluationException {
        if (b.signum() == 0) {
            throw new EvaluationException("division by zero");
        }
        return a.divide(b, divisionScale(a, b), RoundingMode.HALF_UP);
    }

    /** select_div_scale: enough scale for 16 significant digits, at least either input's scale. */
    static int divisionScale(BigDecimal a, BigDecimal b) {
        int[] wa = weightAndFirstDigit(a);
        int[] wb = weightAndFirstDigit(b);
        int qweight = wa[0] - wb[0];
        if (wa[1] <= wb[1]) {
            qweight--;
        }
        int rscale = MIN_SIG_DIGITS - qweight * DEC_DIGITS;
        rscale = Math.max(rscale, Math.max(a.scale(), b.scale()));
        return Math.min(Math.max(rscale, 0), MAX_DISPLAY_SCALE);
    }

    /** The weight (base-10000 exponent) and value of the first non-zero base-10000 digit; {0, 0} for zero. */
    private static int[] weightAndFirstDigit(BigDecimal v) {
        if (v.signum() == 0) {
            return new int[] {0, 0};
        }
        BigDecimal abs = v.abs();
        int exponent = abs.precision() - abs.scale() - 1;
        int weight = Math.floorDiv(exponent, DEC_DIGITS);
        int first = abs.movePointLeft(DEC_DIGITS * weight).setScale(0, RoundingMode.DOWN).intValueExact();
        return new int[] {weight, first};
    }

    /** {@code a % b}: truncated quotient, remainder with the dividend's sign and the larger scale. */
    public static BigDecimal remainder(BigDecimal a, BigDecimal b) throws EvaluationException {
        if (b.signum() == 0) {
            throw new EvaluationException("division by zero");
        }
        BigDecimal q = a.divideToIntegralValue(b);
        return a.subtract(b.multiply(q)).setScale(Math.max(a.scale(), b.scale()), RoundingMode.UNNECESSARY);
    }

    /** round(x, s): half away from zero; the result's scale is max(s, 0). */
    public static BigDecimal round(BigDecimal v, long s) {
        int scale = (int) Math.max(-MAX_DISPLAY_SCALE, Math.min(MAX_DISPLAY_SCALE, s));
        BigDecimal r = v.setScale(scale, RoundingMode.HALF_UP);
        return scale < 0 ? r.setScale(0, RoundingMode.UNNECESSARY) : r;
    }

    /** trunc(x, s): toward zero; the result's scale is max(s, 0). */
    public static BigDecimal trunc(BigDecimal v, long s) {
        int scale = (int) Math.max(-MAX_DISPLAY_SCALE, Math.min(MAX_DISPLAY_SCALE, s));
        BigDecimal r = v.setScale(scale, RoundingMode.DOWN);
        return scale < 0 ? r.setScale(0, RoundingMode.UNNECESSARY) : r;
    }

    public static BigDecimal floor(BigDecimal v) {
        return v.setScale(0, RoundingMode.FLOOR);
    }

    public static BigDecimal ceil(BigDecimal v) {
        return v.setScale(0, RoundingMode.CEILING);
    }

    /** Applies a numeric(p,s) modifier: round to s, then the integer part must fit in p - s digits. */
    public static BigDecimal applyTypmod(BigDecimal v, int precision, int scale) throws EvaluationException {
        if (precision < 0) {
            return v;
        }
        BigDecimal r = v.setScale(scale, RoundingMode.HALF_UP);
        if (scale < 0) {
            r = r.setScale(0, RoundingMode.UNNECESSARY);
        }
        int integerDigits = r.signum() == 0 ? 0 : Math.max(r.precision() - r.scale(), 0);
        if (integerDigits > precision - scale) {
            throw new EvaluationException("numeric field overflow");
        }
        return r;
    }

    /** numeric to integer types: round half away from zero, then range-check. */
    public static long toInteger(BigDecimal v, PgType type) throws EvaluationException {
        BigDecimal r = v.setScale(0, RoundingMode.HALF_UP);
        if (r.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 || r.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            throw new EvaluationException(PgIntegers.outOfRange(type));
        }
        return PgIntegers.check(r.longValueExact(), type);
    }

    /** float to numeric: PostgreSQL prints the float with DBL_DIG (FLT_DIG) significant digits and reads that. */
    public static BigDecimal fromFloat(double d, int significantDigits) throws EvaluationException {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new EvaluationException("numeric value " + PgFloats.format(d) + " is not supported by the incremental engine");
        }
        if (d == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal r = new BigDecimal(d).round(new MathContext(significantDigits, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return r.scale() < 0 ? r.setScale(0, RoundingMode.UNNECESSARY) : r;
    }

    public static double toDouble(BigDecimal v) throws EvaluationException {
        double d = Double.parseDouble(v.toString());
        if (Double.isInfinite(d) || (d == 0 && v.signum() != 0)) {
            throw new EvaluationException("\"" + v.toPlainString() + "\" is out of range for type double precision");
        }
        return d;
    }
}
