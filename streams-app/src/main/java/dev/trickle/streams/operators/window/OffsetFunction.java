package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.util.List;

/**
 * lag and lead: the value of the row {@code offset} rows before (lag) or after (lead) the current one in the
 * partition, whatever the frame; the default (NULL unless given) past the partition's ends. The offset and
 * the default are evaluated on the current row; a NULL offset gives NULL.
 */
public final class OffsetFunction implements WindowFunction {
    private final int valueColumn;
    private final boolean lead;
    private final Operand offset;
    private final Operand fallback;
    private final Conversion valueConversion;
    private final Conversion fallbackConversion;

    /**
     * @param offset   null: 1
     * @param fallback null: NULL
     * @param valueConversion    the value to the result type
     * @param fallbackConversion the default to the result type
     */
    public OffsetFunction(int valueColumn, boolean lead, Operand offset, Operand fallback, Conversion valueConversion,
                          Conversion fallbackConversion) {
        this.valueColumn = valueColumn;
        this.lead = lead;
        this.offset = offset;
        this.fallback = fallback;
        this.valueConversion = valueConversion;
        this.fallbackConversion = fallbackConversion;
    }

    @Override
    public String[] evaluate(Partition p) throws EvaluationException {
        String[] out = new String[p.size()];
        for (int i = 0; i < out.length; i++) {
            List<String> row = p.row(i);
            String k = offset == null ? "1" : offset.value(row);
            if (k == null) {
                continue;
            }
            long distance = PgValues.parseInteger(k, PgType.INT4);
            long j = lead ? i + distance : i - distance;
            if (j >= 0 && j < out.length) {
                String v = p.row((int) j).get(valueColumn);
                out[i] = v == null ? null : valueConversion.apply(v);
            } else if (fallback != null) {
                String d = fallback.value(row);
                out[i] = d == null ? null : fallbackConversion.apply(d);
            }
        }
        return out;
    }
}
