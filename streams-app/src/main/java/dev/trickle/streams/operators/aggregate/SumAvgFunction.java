package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgFloats;
import dev.trickle.streams.operators.expr.PgNumerics;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.util.List;

/**
 * sum and avg with PostgreSQL's result types and texts: sum(smallint, integer) is bigint, sum(bigint,
 * numeric) numeric at the largest scale among the values, sum(real) real, sum(double precision) double;
 * avg of integers and numerics is numeric, divided as numeric_div divides (select_div_scale), avg of floats
 * double precision. NULL for a group without non-NULL values.
 *
 * <p>Floats are summed exactly and rounded once; PostgreSQL adds them one by one in scan order, so for
 * values whose partial sums are inexact (0.1 + 0.2 + 0.3) the last digit can differ. Scan order is not
 * something an incremental engine can follow.
 */
public final class SumAvgFunction implements AggregateFunction {
    private final PgType inputType;
    private final boolean average;

    public SumAvgFunction(PgType inputType, boolean average) {
        this.inputType = inputType;
        this.average = average;
    }

    /** The result type PostgreSQL gives the aggregate, or null when it (or the engine) has none for the type. */
    public static PgType resultType(PgType input, boolean average) {
        return switch (input.kind()) {
            case INT2, INT4 -> average ? PgType.NUMERIC : PgType.INT8;
            case INT8, NUMERIC -> PgType.NUMERIC;
            case FLOAT4 -> average ? PgType.FLOAT8 : PgType.FLOAT4;
            case FLOAT8 -> PgType.FLOAT8;
            default -> null;
        };
    }

    @Override
    public Accumulator load(String saved) {
        Moments m = new Moments(inputType, false, saved);
        return new Accumulator() {
            @Override
            public void add(List<String> element, long weight, ValueBag bag) throws EvaluationException {
                m.add(element.get(0), weight);
            }

            @Override
            public String result(ValueBag bag) throws EvaluationException {
                return m.count() == 0 ? null : average ? average(m) : sum(m);
            }

            @Override
            public String save() {
                return m.save();
            }
        };
    }

    private String sum(Moments m) throws EvaluationException {
        return switch (inputType.kind()) {
            case INT2, INT4 -> {
                BigDecimal s = m.numericSum();
                if (s.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 && !s.equals(BigDecimal.valueOf(Long.MIN_VALUE))) {
                    throw new EvaluationException("bigint out of range");
                }
                yield s.toPlainString();
            }
            case FLOAT4 -> {
                Double special = m.floatSpecial();
                float f = special != null ? special.floatValue() : Float.parseFloat(m.sum.toString());
                if (special == null && Float.isInfinite(f)) {
                    throw new EvaluationException("value out of range: overflow");
                }
                yield PgFloats.format(f);
            }
            case FLOAT8 -> PgFloats.format(m.doubleSum());
            default -> m.numericSum().toPlainString();
        };
    }

    private String average(Moments m) throws EvaluationException {
        if (inputType.isFloat()) {
            // float8_avg: the sum of the values (as double) divided by their number
            return PgFloats.format(m.doubleSum() / m.count());
        }
        return PgNumerics.divide(m.numericSum(), BigDecimal.valueOf(m.count())).toPlainString();
    }
}
