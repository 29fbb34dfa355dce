package dev.trickle.streams.operators;

import dev.trickle.streams.rows.Row;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;

/**
 * The entry of one source's delta into the pipeline: change rows keyed by column name become positional
 * rows in the source table's column order (a column missing from the change row is NULL).
 */
public final class SourceScan {
    private final String source;
    private final List<String> columns;

    public SourceScan(String source, List<String> columns) {
        this.source = source;
        this.columns = List.copyOf(columns);
    }

    /** The source's {@code SourceTable.qualifiedName()}: the key of its delta in the pipeline's input. */
    public String source() {
        return source;
    }

    public ZSet<List<String>> read(ZSet<Map<String, String>> delta) {
        ZSet<List<String>> out = new ZSet<>(delta == null ? 0 : delta.size());
        if (delta != null) {
            delta.forEach((row, weight) -> {
                String[] values = new String[columns.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = row.get(columns.get(i));
                }
                out.add(Row.wrap(values), weight);
            });
        }
        return out;
    }

    public String describe() {
        return "Scan(" + source + ")";
    }
}
