package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgFloats;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The running sums of one group's non-NULL numbers, kept exactly so that deletions undo insertions:
 * count, sum, sum of squares (when a variance needs it), how many values have each display scale (a
 * numeric sum's scale is the largest scale among the values present, which a deletion can lower), and
 * for floats how many NaNs and infinities (they have no exact sum).
 */
final class Moments {
    final PgType inputType;
    long n;
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal sumSquares;
    final TreeMap<Integer, Long> scales = new TreeMap<>();
    long nan;
    long posInf;
    long negInf;

    Moments(PgType inputType, boolean squares, String saved) {
        this.inputType = inputType;
        this.sumSquares = squares ? BigDecimal.ZERO : null;
        if (saved != null) {
            List<String> f = Codec.decode(saved);
            n = Long.parseLong(f.get(0));
            sum = new BigDecimal(f.get(1));
            sumSquares = f.get(2) == null ? null : new BigDecimal(f.get(2));
            List<String> s = Codec.decode(f.get(3));
            for (int i = 0; i < s.size(); i += 2) {
                scales.put(Integer.parseInt(s.get(i)), Long.parseLong(s.get(i + 1)));
            }
            nan = Long.parseLong(f.get(4));
            posInf = Long.parseLong(f.get(5));
            negInf = Long.parseLong(f.get(6));
        }
    }

    String save() {
        List<String> s = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : scales.entrySet()) {
            s.add(e.getKey().toString());
            s.add(e.getValue().toString());
        }
        return Codec.encode(Long.toString(n), sum.toString(), sumSquares == null ? null : sumSquares.toString(),
                Codec.encode(s), Long.toString(nan), Long.toString(posInf), Long.toString(negInf));
    }

    /** Adds {@code weight} copies of a value given as PostgreSQL text (NULL is ignored, as aggregates do). */
    void add(String text, long weight) throws EvaluationException {
        if (text == null) {
            return;
        }
        n += weight;
        BigDecimal x;
        if (inputType.isFloat()) {
            double d = inputType.kind() == PgType.Kind.FLOAT4 ? PgFloats.parseFloat(text) : PgFloats.parseDouble(text,
                    "double precision");
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                nan += Double.isNaN(d) ? weight : 0;
                posInf += d == Double.POSITIVE_INFINITY ? weight : 0;
                negInf += d == Double.NEGATIVE_INFINITY ? weight : 0;
                return;
            }
            // exact: the binary value's full decimal expansion
            x = new BigDecimal(d);
        } else {
            x = inputType.isInteger() ? new BigDecimal(text.trim()) : (BigDecimal) PgValues.parse(text, inputType);
            long left = scales.merge(x.scale(), weight, Long::sum);
            if (left == 0) {
                scales.remove(x.scale());
            }
        }
        // a weight of 1 or -1 (nearly every change) adds or subtracts x itself: the same value at the same scale
        // as x times the weight, without the multiplication
        sum = addTimes(sum, x, weight);
        if (sumSquares != null) {
            sumSquares = addTimes(sumSquares, x.multiply(x), weight);
        }
    }

    private static BigDecimal addTimes(BigDecimal to, BigDecimal x, long weight) {
        if (weight == 1) {
            return to.add(x);
        }
        return weight == -1 ? to.subtract(x) : to.add(x.multiply(BigDecimal.valueOf(weight)));
    }

    /** PostgreSQL's display scale of the numeric sum: the largest scale among the values present. */
    int displayScale() {
        return scales.isEmpty() ? 0 : scales.lastKey();
    }

    /** The exact sum at its display scale (integers and numerics). */
    BigDecimal numericSum() {
        return sum.setScale(displayScale());
    }

    /** NaN or an infinity when the floats include such values, else null. */
    Double floatSpecial() {
        if (nan > 0 || (posInf > 0 && negInf > 0)) {
            return Double.NaN;
        }
        if (posInf > 0) {
            return Double.POSITIVE_INFINITY;
        }
        return negInf > 0 ? Double.NEGATIVE_INFINITY : null;
    }

    /** The exact sum rounded once to double precision; PostgreSQL's float8pl raises overflow the same way. */
    double doubleSum() throws EvaluationException {
        Double special = floatSpecial();
        if (special != null) {
            return special;
        }
        double d = Double.parseDouble(sum.toString());
        if (Double.isInfinite(d)) {
            throw new EvaluationException("value out of range: overflow");
        }
        return d;
    }

    /** The number of values, NaNs and infinities included (floats count them, numerics refuse them). */
    long count() {
        return n;
    }
}
