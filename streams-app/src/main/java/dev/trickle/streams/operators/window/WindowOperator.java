package dev.trickle.streams.operators.window;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.aggregate.Codec;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.operators.topk.OrderKeyCodec;
import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The window functions of one window (one PARTITION BY and ORDER BY), incrementally by partition: each row's
 * output is the row followed by the functions' values. A tick touches only the partitions its rows fall in;
 * for each, the partition's rows are read (in order: the store is sorted by order key), its output computed
 * before and after the change, and the difference emitted. Rows of other partitions cost nothing; rows of a
 * touched partition whose values did not change cancel out. Work per tick: the touched partitions.
 *
 * <p>State: {@code rows} (partition key, order key, tie key → copies and row), one entry per distinct input
 * row. The partition key holds the canonical texts of the PARTITION BY values ({@link ValueEquality}), so
 * equal values (numeric 1.0 and 1.00) share a partition, as in PostgreSQL. Deleting every row empties it.
 */
public final class WindowOperator implements Operator {
    private final int[] partitionColumns;
    private final ValueEquality partitionEquality;
    private final OrderKeyCodec order;
    private final List<WindowFunction> functions;
    private final String description;

    public WindowOperator(int[] partitionColumns, List<PgType> partitionTypes, List<SortKey> orderKeys,
                          List<WindowFunction> functions, String description) {
        this.partitionColumns = partitionColumns.clone();
        this.partitionEquality = new ValueEquality(partitionTypes);
        this.order = new OrderKeyCodec(orderKeys);
        this.functions = List.copyOf(functions);
        this.description = description;
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public boolean isStateful() {
        return true;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException {
        Map<String, List<Map.Entry<List<String>, Long>>> touched = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Long> e : inputs.get(0).asMap().entrySet()) {
            touched.computeIfAbsent(partitionKey(e.getKey()), k -> new ArrayList<>()).add(e);
        }
        TextState rows = TextState.of(state.store("rows"));
        ZSet<List<String>> out = new ZSet<>();
        for (Map.Entry<String, List<Map.Entry<List<String>, Long>>> t : touched.entrySet()) {
            update(rows, t.getKey(), t.getValue(), out);
        }
        return out;
    }

    private String partitionKey(List<String> row) {
        List<String> values = new ArrayList<>(partitionColumns.length);
        for (int c : partitionColumns) {
            values.add(row.get(c));
        }
        return Codec.encode(partitionEquality.canonical(values));
    }

    /** One touched partition: its output before the change retracted, after it emitted. */
    private void update(TextState rows, String partition, List<Map.Entry<List<String>, Long>> changes,
                        ZSet<List<String>> out) throws EvaluationException {
        // store key (order key, tie key) → [copies, row], sorted as the store sorts
        TreeMap<String, Stored> current = new TreeMap<>();
        for (Map.Entry<String, String> e : rows.prefix(partition)) {
            current.put(e.getKey().substring(partition.length()), Stored.decode(e.getValue()));
        }
        emit(current, -1, out);
        for (Map.Entry<List<String>, Long> c : changes) {
            String key = order.encode(c.getKey()) + OrderKeyCodec.tieKey(c.getKey());
            Stored old = current.get(key);
            long copies = Math.addExact(old == null ? 0 : old.copies(), c.getValue());
            if (copies < 0) {
                throw new IllegalStateException("more copies deleted than inserted of " + c.getKey());
            }
            if (copies == 0) {
                current.remove(key);
                rows.delete(partition + key);
            } else {
                Stored now = new Stored(copies, c.getKey());
                current.put(key, now);
                rows.put(partition + key, now.encode());
            }
        }
        emit(current, 1, out);
    }

    /** Adds (sign 1) or removes (-1) the output rows of the partition holding {@code rows}. */
    private void emit(TreeMap<String, Stored> rows, long sign, ZSet<List<String>> out) throws EvaluationException {
        if (rows.isEmpty()) {
            return;
        }
        List<List<String>> ordered = new ArrayList<>();
        List<String> orderKeys = new ArrayList<>();
        for (Stored s : rows.values()) {
            String key = order.encode(s.row());
            for (long i = 0; i < s.copies(); i++) {
                ordered.add(s.row());
                orderKeys.add(key);
            }
        }
        Partition p = new Partition(ordered, orderKeys);
        List<String[]> values = new ArrayList<>(functions.size());
        for (WindowFunction f : functions) {
            values.add(f.evaluate(p));
        }
        for (int i = 0; i < ordered.size(); i++) {
            List<String> row = new ArrayList<>(ordered.get(i));
            for (String[] v : values) {
                row.add(v[i]);
            }
            out.add(row, sign);
        }
    }

    /** A stored row and its number of copies. */
    private record Stored(long copies, List<String> row) {
        static Stored decode(String value) {
            int space = value.indexOf(' ');
            return new Stored(Long.parseLong(value, 0, space, 10), Codec.decode(value.substring(space + 1)));
        }

        String encode() {
            return copies + " " + Codec.encode(row);
        }
    }

    @Override
    public String describe() {
        return "Window(" + description + ")";
    }
}
