package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gathering task keeps a tick's rows in memory, not in a logged store: a restart anywhere in its input (as after a
 * kill under exactly-once, where the task's state is what it committed and it resumes at its committed position) must
 * give the same output as a run without one. The gather topic's records come from the real scatter (through the test
 * driver); the gathering processor then runs on stores that outlive it (in memory: their kind is not what is tested), restarted after every record in turn,
 * and reads the topic again from the records the scatter produced.
 */
class TickMemoryRestartTest {
    private static final SourceTable ITEMS = new SourceTable("public", "items",
            List.of(new SourceColumn("id", "integer"), new SourceColumn("grp", "text")));
    private static final long ST = 3;
    @TempDir
    Path dir;

    @Test
    void aRestartAfterAnyRecordGivesTheOutputOfARunWithoutOne() {
        checkRestarts(GatherProcessor.TICK_MEMORY_BYTES);
    }

    @Test
    void aRestartAfterAnyRecordGivesTheSameOutputWhenTicksSpillToTheStore() {
        checkRestarts(700); // a few rows: most ticks' later rows go to the store, from an offset the ledger keeps
    }

    private void checkRestarts(long memoryBytes) {
        RunnableStreamTable table = table();
        Model model = new Model(new Random(10));
        List<KeyValue<String, byte[]>> gathered = scatter(table, model.changes());
        assertTrue(gathered.size() > 100, "the scatter wrote the gather topic: " + gathered.size());

        List<Map<List<String>, Long>> reference = run(table, gathered, -1, memoryBytes);
        Map<List<String>, Long> total = new HashMap<>();
        reference.forEach(tick -> tick.forEach((row, w) -> total.merge(row, w, Long::sum)));
        total.values().removeIf(w -> w == 0);
        assertEquals(model.counts(), total, "the stream table equals its query over the rows at the last tick");
        assertEquals(model.ticks, reference.size(), "every tick ran once");

        for (int restartAt = 0; restartAt <= gathered.size(); restartAt++) {
            assertEquals(reference, run(table, gathered, restartAt, memoryBytes),
                    "a restart before gather record " + restartAt);
        }
    }

    /** The gathering processor over the records; a new one on the same stores before record {@code restartAt}. */
    private List<Map<List<String>, Long>> run(RunnableStreamTable table, List<KeyValue<String, byte[]>> records,
            int restartAt, long memoryBytes) {
        Path stateDir = dir.resolve("run-" + restartAt + "-" + memoryBytes);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "tick-memory-restart-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, 0), stateDir.toFile());
        context.setCurrentSystemTimeMs(0); // the processors read it (the commits requested at a tick's end)
        List<KeyValueStore<?, ?>> stores = List.of(
                open(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(table.pendingStore()),
                        Serdes.Bytes(), Serdes.ByteArray())),
                open(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(table.metaStore()),
                        Serdes.String(), Serdes.String())),
                open(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(table.stateStore()),
                        Serdes.Bytes(), Serdes.ByteArray())));
        List<String> failures = new ArrayList<>();
        int[] replays = {0};
        GatherReplay.Factory replay = configs -> (topic, from, upTo, out) -> {
            assertEquals(table.gatherTopic(), topic);
            assertTrue(upTo <= records.size() && from >= 0, from + ".." + upTo);
            replays[0]++;
            for (long o = from; o < upTo; o++) {
                out.accept(o, records.get((int) o).key, records.get((int) o).value);
            }
            return true;
        };
        try {
            GatherProcessor processor = null;
            for (int i = 0; i < records.size(); i++) {
                if (processor == null || i == restartAt) {
                    processor = new GatherProcessor(table, (id, m) -> failures.add(m), replay, memoryBytes);
                    processor.init(context);
                }
                context.setRecordMetadata(table.gatherTopic(), 0, i);
                processor.process(new Record<>(records.get(i).key, records.get(i).value, 1000L * i));
            }
        } finally {
            stores.forEach(KeyValueStore::close);
        }
        assertTrue(failures.isEmpty(), failures::toString);
        assertTrue(restartAt <= 0 || restartAt == records.size() || replays[0] <= 1, "read again once at most");
        return ticks(context);
    }

    private static KeyValueStore<?, ?> open(MockProcessorContext<Object, Object> context,
            StoreBuilder<? extends KeyValueStore<?, ?>> builder) {
        KeyValueStore<?, ?> store = builder.withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    /** The forwarded delta, one map of summed rows per tick, in order. */
    private static List<Map<List<String>, Long>> ticks(MockProcessorContext<Object, Object> context) {
        List<Map<List<String>, Long>> ticks = new ArrayList<>();
        Map<List<String>, Long> rows = new HashMap<>();
        for (var forwarded : context.forwarded()) {
            Object value = forwarded.record().value();
            if (value instanceof DeltaRecord.Row row) {
                rows.merge(row.values(), row.weight(), Long::sum);
            } else if (value instanceof DeltaRecord.End) {
                rows.values().removeIf(w -> w == 0);
                ticks.add(new HashMap<>(rows));
                rows.clear();
            }
        }
        assertTrue(rows.isEmpty(), "rows after the last end marker: " + rows);
        return ticks;
    }

    /** The gather topic's records, as the scatter writes them for these change records. */
    private static List<KeyValue<String, byte[]>> scatter(RunnableStreamTable table, List<String> changes) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tick-memory-scatter");
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-"
                + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        try (TopologyTestDriver driver = new TopologyTestDriver(TopologyFactory.build(List.of(table), (id, m) -> { }),
                props)) {
            TestInputTopic<String, String> in = driver.createInputTopic(TopicNames.changes("trickle", "public", "items"),
                    new StringSerializer(), Wire.changes());
            changes.forEach(c -> in.pipeInput(null, c));
            return driver.createOutputTopic(table.gatherTopic(), new StringDeserializer(), new ByteArrayDeserializer())
                    .readKeyValuesToList();
        }
    }

    private static RunnableStreamTable table() {
        CompiledQuery q = new CompiledQuery(List.of(ITEMS), List.of("grp", "n"), new CountPerGroup("public.items"),
                "count per group");
        StreamTableDef def = new StreamTableDef(ST, "public", "counts", "...", List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "items")));
        return RunnableStreamTable.of(def, q, "trickle", 1);
    }

    /**
     * Random ticks over a table of items: a fill at the first, then inserts, deletes and updates (some of rows
     * inserted in the same tick), the two producing partitions ending a tick at different places, so that a tick's
     * rows arrive while the one before is still open.
     */
    private static final class Model {
        private final Random random;
        private final Map<Integer, String> items = new TreeMap<>();
        private final List<String> changes = new ArrayList<>();
        private int ticks;
        private int nextId;

        Model(Random random) {
            this.random = random;
        }

        List<String> changes() {
            changes.add(RecordCodec.encode(new ChangeRecord.Init(5, ST)));
            for (int i = 0; i < 8; i++) {
                insert(5, ST);
            }
            for (long tick = 5; tick < 17; tick++) {
                changes.add(end(tick, 0));
                int n = 1 + random.nextInt(12);
                for (int i = 0; i < n; i++) {
                    change(tick + 1);
                    if (i == n / 2) {
                        changes.add(end(tick, 1)); // the second partition ends tick after some of the next tick's rows
                    }
                }
                ticks++;
            }
            changes.add(end(17, 0));
            changes.add(end(17, 1));
            ticks++;
            return changes;
        }

        private void change(long tick) {
            int kind = random.nextInt(4);
            if (kind == 0 || items.isEmpty()) {
                insert(tick, null);
            } else {
                List<Integer> ids = new ArrayList<>(items.keySet());
                int id = ids.get(random.nextInt(ids.size()));
                row(tick, -1, null, id, items.remove(id));
                if (kind >= 2) {
                    String grp = "g" + random.nextInt(4);
                    items.put(id, grp);
                    row(tick, 1, null, id, grp);
                }
            }
        }

        private void insert(long tick, Long st) {
            int id = nextId++;
            String grp = "g" + random.nextInt(4);
            items.put(id, grp);
            row(tick, 1, st, id, grp);
        }

        private void row(long tick, int weight, Long st, int id, String grp) {
            Map<String, String> values = new LinkedHashMap<>();
            values.put("id", Integer.toString(id));
            values.put("grp", grp);
            changes.add(RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, st)));
        }

        private static String end(long tick, int partition) {
            return RecordCodec.encode(new ChangeRecord.End(tick, partition, 2, 1000 * tick));
        }

        Map<List<String>, Long> counts() {
            Map<String, Long> byGroup = new TreeMap<>();
            items.values().forEach(g -> byGroup.merge(g, 1L, Long::sum));
            Map<List<String>, Long> rows = new HashMap<>();
            byGroup.forEach((g, n) -> rows.put(List.of(g, Long.toString(n)), 1L));
            return rows;
        }
    }
}
