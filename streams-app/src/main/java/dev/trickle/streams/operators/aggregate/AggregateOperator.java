package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.OperatorState.KeyValueState;
import dev.trickle.streams.operators.aggregate.AggregateFunction.Accumulator;
import dev.trickle.streams.operators.aggregate.AggregateFunction.ValueBag;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.KeyTexts;
import dev.trickle.streams.rows.RowCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * GROUP BY (with grouping sets), aggregates and DISTINCT, incrementally. Each tick only the groups its
 * rows fall in are touched: a group's state (row count, accumulators, last emitted row) is read, the
 * group's changed rows are folded in, and if the group's row changed, the old row is retracted and the new
 * one emitted. A group whose rows are all gone is forgotten, with the elements its aggregates kept; the
 * group of an empty grouping set ({@code GROUP BY ()}, no GROUP BY at all) always has a row, also over no
 * input, so only its own bookkeeping stays.
 *
 * <p>State: {@code groups} (group key → {@link GroupState}), {@code values} (group key, call, element →
 * count: the multisets of min, max, string_agg, array_agg), {@code distinct} (group key, call, element →
 * count: the distinct elements of DISTINCT calls). A group key is the grouping set's number followed by the
 * canonical texts of its grouped columns ({@link ValueEquality}), so that equal values share a group.
 */
public final class AggregateOperator implements Operator {
    /**
     * One aggregate call: its function, the input columns that make its elements (arguments, then ORDER BY
     * keys), the boolean FILTER column (-1: none) and whether it aggregates DISTINCT elements.
     */
    public record Call(AggregateFunction function, int[] elementColumns, int filterColumn, boolean distinct,
                       ValueEquality distinctEquality) {
    }

    /** An output column after the group columns. */
    public sealed interface Output {
    }

    /** The value of aggregate call {@code call}. */
    public record Aggregated(int call) implements Output {
    }

    /** A group column's value (NULL in grouping sets that do not group by it): Calcite's ANY_VALUE of a key. */
    public record GroupColumn(int position) implements Output {
    }

    /** GROUPING(...): one bit per argument, set when the grouping set does not group by it. */
    public record Grouping(int[] positions) implements Output {
    }

    /** The same text in every group's row: Calcite's LITERAL_AGG (an indicator that the group exists). */
    public record Constant(String text) implements Output {
    }

    private static final ValueBag NO_VALUES = new ValueBag() {
        @Override
        public long count(List<String> element) {
            return 0;
        }

        @Override
        public List<Map.Entry<List<String>, Long>> entries() {
            return List.of();
        }
    };

    private final int[] groupColumns;
    private final List<int[]> groupingSets;
    private final ValueEquality keyEquality;
    private final boolean tracksForms;
    private final List<Call> calls;
    private final List<Output> outputs;
    private final String description;

    /**
     * @param groupColumns the input columns grouped by (the first output columns, in this order)
     * @param groupTypes   their types
     * @param groupingSets each set as ascending positions into {@code groupColumns}; one set of all of them
     *                     for a plain GROUP BY, one empty set for aggregates without GROUP BY
     */
    public AggregateOperator(int[] groupColumns, List<PgType> groupTypes, List<int[]> groupingSets, List<Call> calls,
                             List<Output> outputs, String description) {
        this.groupColumns = groupColumns.clone();
        this.groupingSets = List.copyOf(groupingSets);
        this.keyEquality = new ValueEquality(groupTypes);
        this.tracksForms = keyEquality.anyNormalized();
        this.calls = List.copyOf(calls);
        this.outputs = List.copyOf(outputs);
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
        // the rows of each touched group, groups in the order first touched (deterministic output)
        // (ByteBuffer: a key's bytes compared by content)
        Map<ByteBuffer, List<Map.Entry<List<String>, Long>>> touched = new LinkedHashMap<>();
        Map<ByteBuffer, Integer> setOfKey = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Long> e : inputs.get(0).asMap().entrySet()) {
            for (int s = 0; s < groupingSets.size(); s++) {
                ByteBuffer key = ByteBuffer.wrap(groupKey(s, e.getKey()));
                touched.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
                setOfKey.put(key, s);
            }
        }
        for (int s = 0; s < groupingSets.size(); s++) {
            ByteBuffer key = ByteBuffer.wrap(groupKey(s, null));
            // the empty grouping set's row exists before any input arrives: emitted on the first tick
            if (groupingSets.get(s).length == 0 && !touched.containsKey(key) && state.store("groups").get(key.array()) == null) {
                touched.put(key, new ArrayList<>());
                setOfKey.put(key, s);
            }
        }
        ZSet<List<String>> out = new ZSet<>();
        for (Map.Entry<ByteBuffer, List<Map.Entry<List<String>, Long>>> g : touched.entrySet()) {
            new GroupUpdate(state, g.getKey().array(), groupingSets.get(setOfKey.get(g.getKey()))).apply(g.getValue(), out);
        }
        return out;
    }

    /**
     * The grouping set's number, then the canonical texts of the columns it groups by ({@link KeyTexts}): a
     * prefix-free key, so that the group's entries in {@code values} and {@code distinct} are a prefix scan.
     */
    private byte[] groupKey(int set, List<String> row) {
        int[] positions = groupingSets.get(set);
        ByteWriter b = new ByteWriter(8 + 12 * positions.length).writeVarint(set);
        if (row != null) {
            List<String> canonical = keyEquality.canonical(keyValues(row));
            for (int p : positions) {
                b.writeKeyText(canonical.get(p));
            }
        }
        return b.toByteArray();
    }

    /** The canonical texts a {@link #groupKey} holds. */
    private static List<String> groupValues(byte[] key, int columns) {
        ByteReader in = new ByteReader(key);
        in.readVarint();
        String[] values = new String[columns];
        for (int i = 0; i < columns; i++) {
            values[i] = in.readKeyText();
        }
        return Arrays.asList(values);
    }

    /** {@code prefix}, then {@code call}'s number: the prefix of one call's entries of one group. */
    private static byte[] callKey(byte[] prefix, int call) {
        return new ByteWriter(prefix.length + 2).writeBytes(prefix).writeVarint(call).toByteArray();
    }

    private List<String> keyValues(List<String> row) {
        List<String> values = new ArrayList<>(groupColumns.length);
        for (int c : groupColumns) {
            values.add(row.get(c));
        }
        return values;
    }

    /** The written form of a row's key in a grouping set: its grouped columns' texts as the row has them. */
    private String writtenForm(int[] set, List<String> row) {
        List<String> values = keyValues(row);
        List<String> form = new ArrayList<>(set.length);
        for (int p : set) {
            form.add(values.get(p));
        }
        return Codec.encode(form);
    }

    static List<String> project(List<String> row, int[] columns) {
        String[] out = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            out[i] = row.get(columns[i]);
        }
        return Arrays.asList(out);
    }

    /** One touched group during one tick. */
    private final class GroupUpdate {
        private final OperatorState state;
        private final byte[] key;
        private final int[] set;
        private final GroupState group;
        private final Accumulator[] accumulators;
        private final StoredBag[] bags;

        GroupUpdate(OperatorState state, byte[] key, int[] set) {
            this.state = state;
            this.key = key;
            this.set = set;
            byte[] saved = state.store("groups").get(key);
            this.group = saved == null ? new GroupState(calls.size()) : GroupState.decode(saved, calls.size());
            this.accumulators = new Accumulator[calls.size()];
            this.bags = new StoredBag[calls.size()];
            for (int i = 0; i < calls.size(); i++) {
                accumulators[i] = calls.get(i).function().load(group.accumulators[i]);
                if (calls.get(i).function().keepsValues()) {
                    bags[i] = new StoredBag(state.store("values"), callKey(key, i));
                }
            }
        }

        void apply(List<Map.Entry<List<String>, Long>> rows, ZSet<List<String>> out) throws EvaluationException {
            for (Map.Entry<List<String>, Long> r : rows) {
                group.rows += r.getValue();
                if (tracksForms) {
                    group.forms.count(writtenForm(set, r.getKey()), r.getValue());
                }
                for (int i = 0; i < calls.size(); i++) {
                    feed(i, r.getKey(), r.getValue());
                }
            }
            if (group.rows < 0) {
                throw new IllegalStateException("more rows deleted than inserted in group "
                        + groupValues(key, set.length));
            }
            boolean present = group.rows > 0 || set.length == 0;
            List<String> row = present ? outputRow() : null;
            if (!Objects.equals(row, group.emitted)) {
                if (group.emitted != null) {
                    out.add(group.emitted, -1);
                }
                if (row != null) {
                    out.add(row, 1);
                }
            }
            KeyValueState groups = state.store("groups");
            if (!present) {
                groups.delete(key);
                return;
            }
            group.emitted = row;
            for (int i = 0; i < calls.size(); i++) {
                group.accumulators[i] = accumulators[i].save();
            }
            groups.put(key, group.encode());
        }

        private void feed(int i, List<String> row, long weight) throws EvaluationException {
            Call call = calls.get(i);
            if (call.filterColumn() >= 0 && !"t".equals(row.get(call.filterColumn()))) {
                return;
            }
            List<String> element = project(row, call.elementColumns());
            if (!call.distinct()) {
                forward(i, element, weight);
                return;
            }
            // DISTINCT: only an element's first copy in, and its last copy out, reach the function
            KeyValueState distinct = state.store("distinct");
            byte[] dkey = KeyTexts.write(new ByteWriter(key.length + 16).writeBytes(key).writeVarint(i),
                    call.distinctEquality().canonical(element)).toByteArray();
            byte[] saved = distinct.get(dkey);
            ByteReader in = saved == null ? null : new ByteReader(saved);
            long before = in == null ? 0 : in.readSignedVarint();
            List<String> first = in == null ? element : RowCodec.read(in);
            long after = before + weight;
            if (after < 0) {
                throw new IllegalStateException("more copies deleted than inserted of " + element);
            }
            if (after == 0) {
                distinct.delete(dkey);
            } else {
                ByteWriter value = new ByteWriter(16 + 8 * first.size()).writeSignedVarint(after);
                RowCodec.write(value, first);
                distinct.put(dkey, value.toByteArray());
            }
            if (before == 0 && after > 0) {
                forward(i, first, 1);
            } else if (before > 0 && after == 0) {
                forward(i, first, -1);
            }
        }

        private void forward(int i, List<String> element, long weight) throws EvaluationException {
            if (bags[i] != null) {
                bags[i].add(element, weight);
            }
            accumulators[i].add(element, weight, bags[i] == null ? NO_VALUES : bags[i]);
        }

        private List<String> outputRow() throws EvaluationException {
            List<String> shown = tracksForms && group.forms.shown() != null ? Codec.decode(group.forms.shown())
                    : groupValues(key, set.length);
            String[] keyColumns = new String[groupColumns.length];
            for (int j = 0; j < set.length; j++) {
                keyColumns[set[j]] = shown.get(j);
            }
            List<String> row = new ArrayList<>(Arrays.asList(keyColumns));
            for (Output o : outputs) {
                if (o instanceof Aggregated a) {
                    row.add(accumulators[a.call()].result(bags[a.call()] == null ? NO_VALUES : bags[a.call()]));
                } else if (o instanceof GroupColumn c) {
                    row.add(keyColumns[c.position()]);
                } else if (o instanceof Constant c) {
                    row.add(c.text());
                } else {
                    row.add(Long.toString(groupingBits(((Grouping) o).positions())));
                }
            }
            return row;
        }

        private long groupingBits(int[] positions) {
            long bits = 0;
            for (int p : positions) {
                bits = bits << 1 | (Arrays.stream(set).anyMatch(x -> x == p) ? 0 : 1);
            }
            return bits;
        }
    }

    @Override
    public String describe() {
        return "Aggregate(" + description + ")";
    }
}
