package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;

/**
 * first_value, last_value and nth_value: the value of the frame's first, last or n-th row (NULL when the
 * frame is empty or shorter than n). nth_value's n is evaluated on the current row, as PostgreSQL does.
 */
public final class FrameValueFunction implements WindowFunction {
    public enum Kind { FIRST, LAST, NTH }

    private final Kind kind;
    private final int valueColumn;
    private final Operand nth;
    private final Frame frame;

    public FrameValueFunction(Kind kind, int valueColumn, Operand nth, Frame frame) {
        this.kind = kind;
        this.valueColumn = valueColumn;
        this.nth = nth;
        this.frame = frame;
    }

    @Override
    public String[] evaluate(Partition p) throws EvaluationException {
        int[][] bounds = frame.bounds(p);
        String[] out = new String[p.size()];
        for (int i = 0; i < out.length; i++) {
            int from = bounds[0][i];
            int to = bounds[1][i];
            long at = switch (kind) {
                case FIRST -> from;
                case LAST -> to - 1;
                case NTH -> nthRow(p, i, from);
            };
            if (at >= from && at < to) {
                out[i] = p.row((int) at).get(valueColumn);
            }
        }
        return out;
    }

    private long nthRow(Partition p, int i, int from) throws EvaluationException {
        String text = nth.value(p.row(i));
        if (text == null) {
            return -1;
        }
        long n = PgValues.parseInteger(text, PgType.INT4);
        if (n <= 0) {
            throw new EvaluationException("argument of nth_value must be greater than zero");
        }
        return from + n - 1;
    }
}
