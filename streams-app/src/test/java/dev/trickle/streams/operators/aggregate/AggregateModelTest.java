package dev.trickle.streams.operators.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import dev.trickle.streams.runtime.RuntimeStores;
import dev.trickle.streams.runtime.TestRocksStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The aggregate against a from-scratch evaluation, on the runtime's RocksDB-backed state (a tick's writes in one
 * batch, point reads remembered across ticks) and in memory: random ticks of inserts and deletes of (g, x, s) rows
 * (duplicates, NULLs, groups that appear, grow and vanish) into count(*), sum, min, max, string_agg, count(DISTINCT)
 * grouped by g, with and without a grand total. After each tick the accumulated output must equal the aggregate
 * of the accumulated input; after everything is deleted the state must be empty (but for the grand total's row).
 * The RocksDB run also starts its backend anew over the same store half way, as after a restart.
 */
class AggregateModelTest {
    private static final int TICKS = 14;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"memory", "rocks", "memory rollup", "rocks rollup"})
    void everyTickEqualsRecomputationAndTheStateEndsEmpty(String variant) throws Exception {
        boolean rollup = variant.endsWith("rollup");
        for (long seed = 1; seed <= 6; seed++) {
            KeyValueStore<Bytes, byte[]> store = variant.startsWith("rocks")
                    ? new TestRocksStores(dir, "aggregate-model-test").open("agg-" + seed) : null;
            InMemoryStateBackend memory = new InMemoryStateBackend();
            StateBackend backend = store == null ? memory : RuntimeStores.stateBackend(store);
            AggregateOperator op = operator(rollup);
            Random random = new Random(seed);
            ZSet<List<String>> input = new ZSet<>();
            ZSet<List<String>> output = new ZSet<>();
            for (int tick = 0; tick < TICKS; tick++) {
                if (store != null && tick == TICKS / 2) {
                    // a restarted task: a new backend over the store as the last tick left it, nothing remembered
                    backend = RuntimeStores.stateBackend(store);
                }
                ZSet<List<String>> delta = tick == TICKS - 1 ? negate(input) : delta(random, input);
                try {
                    output.addAll(op.apply(List.of(delta), backend.forOperator("op0")));
                } finally {
                    backend.flush();
                }
                input.addAll(delta);
                assertEquals(recompute(input, rollup), output, variant + ", seed " + seed + ", tick " + tick);
            }
            long left = store == null ? memory.size() : count(store);
            assertEquals(rollup ? 1 : 0, left, "state left after deleting everything: " + variant + ", seed " + seed);
            if (store != null) {
                store.close();
            }
        }
    }

    /**
     * GROUP BY g (or ROLLUP(g)) over (g text, x int, s text, delimiter text): count(*), sum(x), min(x), max(s),
     * string_agg(s, delimiter ORDER BY s), count(DISTINCT x), GROUPING(g).
     */
    private static AggregateOperator operator(boolean rollup) {
        ValueEquality none = new ValueEquality(List.of());
        List<AggregateOperator.Call> calls = List.of(
                new AggregateOperator.Call(new CountFunction(true), new int[0], -1, false, none),
                new AggregateOperator.Call(new SumAvgFunction(PgType.INT4, false), new int[] {1}, -1, false, none),
                new AggregateOperator.Call(new MinMaxFunction(PgType.INT4, false), new int[] {1}, -1, false, none),
                new AggregateOperator.Call(new MinMaxFunction(PgType.TEXT, true), new int[] {2}, -1, false, none),
                new AggregateOperator.Call(ListFunction.stringAgg(PgType.TEXT, PgType.TEXT, new ElementOrder(
                        List.of(new ElementOrder.Key(0, PgType.TEXT, false, false)))), new int[] {2, 3}, -1, false, none),
                new AggregateOperator.Call(new CountFunction(false), new int[] {1}, -1, true,
                        new ValueEquality(List.of(PgType.INT4))));
        List<AggregateOperator.Output> outputs = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            outputs.add(new AggregateOperator.Aggregated(i));
        }
        outputs.add(new AggregateOperator.Grouping(new int[] {0}));
        List<int[]> sets = rollup ? List.of(new int[] {0}, new int[0]) : List.<int[]>of(new int[] {0});
        return new AggregateOperator(new int[] {0}, List.of(PgType.TEXT), sets, calls, outputs, "model");
    }

    /** Inserts (some duplicated) and deletes of live rows, over small domains so that groups and values collide. */
    private static ZSet<List<String>> delta(Random random, ZSet<List<String>> live) {
        ZSet<List<String>> d = new ZSet<>();
        for (Map.Entry<List<String>, Long> e : live.asMap().entrySet()) {
            if (random.nextInt(3) == 0) {
                d.add(e.getKey(), -(1 + random.nextInt(Math.toIntExact(e.getValue()))));
            }
        }
        int inserts = random.nextInt(12);
        for (int i = 0; i < inserts; i++) {
            String g = random.nextInt(6) == 0 ? null : "g" + random.nextInt(4);
            String x = random.nextInt(6) == 0 ? null : Integer.toString(random.nextInt(9) - 4);
            String s = random.nextInt(6) == 0 ? null : "s" + random.nextInt(5);
            d.add(Arrays.asList(g, x, s, ","), 1 + random.nextInt(2));
        }
        return d;
    }

    private static ZSet<List<String>> negate(ZSet<List<String>> z) {
        ZSet<List<String>> out = new ZSet<>();
        z.asMap().forEach((row, w) -> out.add(row, -w));
        return out;
    }

    /** The query over the accumulated input, computed directly. */
    private static ZSet<List<String>> recompute(ZSet<List<String>> input, boolean rollup) {
        Map<String, List<Map.Entry<List<String>, Long>>> groups = new HashMap<>();
        for (Map.Entry<List<String>, Long> e : input.asMap().entrySet()) {
            groups.computeIfAbsent(e.getKey().get(0), g -> new ArrayList<>()).add(e);
        }
        ZSet<List<String>> out = new ZSet<>();
        groups.forEach((g, rows) -> out.add(row(g, rows, "0"), 1));
        if (rollup) {
            out.add(row(null, input.asMap().entrySet().stream().toList(), "1"), 1);
        }
        return out;
    }

    private static List<String> row(String g, List<Map.Entry<List<String>, Long>> rows, String grouping) {
        long count = 0;
        Long sum = null;
        Integer min = null;
        String max = null;
        List<String> strings = new ArrayList<>();
        Set<Integer> distinct = new HashSet<>();
        for (Map.Entry<List<String>, Long> e : rows) {
            long w = e.getValue();
            count += w;
            String x = e.getKey().get(1);
            String s = e.getKey().get(2);
            if (x != null) {
                int v = Integer.parseInt(x);
                sum = (sum == null ? 0 : sum) + v * w;
                min = min == null ? v : Math.min(min, v);
                distinct.add(v);
            }
            if (s != null) {
                max = max == null || s.compareTo(max) > 0 ? s : max;
                for (long i = 0; i < w; i++) {
                    strings.add(s);
                }
            }
        }
        strings.sort(null);
        return Arrays.asList(g, Long.toString(count), sum == null ? null : Long.toString(sum),
                min == null ? null : Integer.toString(min), max,
                strings.isEmpty() ? null : strings.stream().collect(Collectors.joining(",")),
                Integer.toString(distinct.size()), grouping);
    }


    private static long count(KeyValueStore<Bytes, byte[]> store) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
