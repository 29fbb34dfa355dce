package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgFloats;
import dev.trickle.streams.operators.expr.PgNumerics;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;

/**
 * var_pop, var_samp (variance), stddev_pop and stddev_samp (stddev), from exact running sums.
 *
 * <p>Integers and numerics follow numeric_stddev_internal: with {@code s} the largest scale among the values,
 * the numerator {@code N·Σx² − (Σx)²} is exact at scale 2s; zero or less gives {@code 0}; else it is divided
 * by {@code N·(N−1)} (sample) or {@code N²} (population) at select_div_scale, and stddev is the square root
 * rounded half up to that same scale.
 *
 * <p>Floats: the same quotient computed exactly and rounded once to double precision. PostgreSQL uses the
 * Youngs-Cramer update in scan order, whose roundings can make the last digit differ.
 */
public final class VarianceFunction implements AggregateFunction {
    private static final MathContext WIDE = new MathContext(40, RoundingMode.HALF_EVEN);

    private final PgType inputType;
    private final boolean sample;
    private final boolean root;

    /**
     * @param sample divide by N−1 (var_samp, stddev_samp) rather than N
     * @param root   the standard deviation rather than the variance
     */
    public VarianceFunction(PgType inputType, boolean sample, boolean root) {
        this.inputType = inputType;
        this.sample = sample;
        this.root = root;
    }

    public static PgType resultType(PgType input) {
        if (input.isFloat()) {
            return PgType.FLOAT8;
        }
        return input.isInteger() || input.kind() == PgType.Kind.NUMERIC ? PgType.NUMERIC : null;
    }

    @Override
    public Accumulator load(String saved) {
        Moments m = new Moments(inputType, true, saved);
        return new Accumulator() {
            @Override
            public void add(List<String> element, long weight, ValueBag bag) throws EvaluationException {
                m.add(element.get(0), weight);
            }

            @Override
            public String result(ValueBag bag) throws EvaluationException {
                if (m.count() <= (sample ? 1 : 0)) {
                    return null;
                }
                return inputType.isFloat() ? floatResult(m) : numericResult(m);
            }

            @Override
            public String save() {
                return m.save();
            }
        };
    }

    private String numericResult(Moments m) throws EvaluationException {
        int scale = 2 * m.displayScale();
        BigDecimal n = BigDecimal.valueOf(m.count());
        BigDecimal numerator = n.multiply(m.sumSquares).subtract(m.sum.multiply(m.sum)).setScale(scale);
        if (numerator.signum() <= 0) {
            return "0";
        }
        BigDecimal denominator = sample ? n.multiply(n.subtract(BigDecimal.ONE)) : n.multiply(n);
        BigDecimal variance = PgNumerics.divide(numerator, denominator);
        return (root ? sqrt(variance) : variance).toPlainString();
    }

    /** sqrt_var: the square root truncated below the last digit, then rounded half up at the value's scale. */
    static BigDecimal sqrt(BigDecimal v) {
        int scale = v.scale();
        // v = u·10^-scale, so sqrt(v)·10^(scale+1) = sqrt(u·10^(scale+2))
        BigInteger scaled = v.unscaledValue().multiply(BigInteger.TEN.pow(scale + 2));
        return new BigDecimal(scaled.sqrt(), scale + 1).setScale(scale, RoundingMode.HALF_UP);
    }

    private String floatResult(Moments m) throws EvaluationException {
        if (m.floatSpecial() != null) {
            return PgFloats.format(Double.NaN);
        }
        BigDecimal n = BigDecimal.valueOf(m.count());
        BigDecimal numerator = n.multiply(m.sumSquares).subtract(m.sum.multiply(m.sum));
        double variance = 0;
        if (numerator.signum() > 0) {
            BigDecimal denominator = sample ? n.multiply(n.subtract(BigDecimal.ONE)) : n.multiply(n);
            variance = Double.parseDouble(numerator.divide(denominator, WIDE).toString());
            if (Double.isInfinite(variance)) {
                throw new EvaluationException("value out of range: overflow");
            }
        }
        return PgFloats.format(root ? Math.sqrt(variance) : variance);
    }
}
