package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under exactly-once a task's output is visible only once its stream thread commits: each task requests a commit
 * right after it sent a tick's end marker (the scatter to the gather topic, the gathering task and a stateless stream
 * table to the delta topic), and not for the rows before it, whose tick nobody uses before the marker.
 */
class TickCommitsTest {
    private static final SourceTable ITEMS = new SourceTable("public", "items",
            List.of(new SourceColumn("id", "integer"), new SourceColumn("grp", "text")));
    private static final String CHANGES = TopicNames.changes("trickle", "public", "items");
    @TempDir
    Path dir;
    private final List<KeyValueStore<?, ?>> stores = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    /** The mock's wall clock: every record a second later than the one before, unless a test says otherwise. */
    private long now = 1_000_000_000L;

    @AfterEach
    void close() {
        stores.forEach(KeyValueStore::close);
        assertTrue(failures.isEmpty(), failures::toString);
    }

    @Test
    void theScatterAndTheGatheringTaskCommitWhenTheyHaveSentATicksEndMarker() {
        RunnableStreamTable table = stateful();
        MockProcessorContext<Object, Object> scatterContext = context("scatter");
        open(scatterContext, table.scatterStore(), false);
        ScatterProcessor scatter = new ScatterProcessor(table, (id, m) -> failures.add(m));
        init(scatter, scatterContext);
        List<String> changes = changes(table.id());
        List<Boolean> committed = new ArrayList<>();
        List<Record<?, ?>> gathered = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            scatterContext.setRecordMetadata(CHANGES, 0, i);
            scatter.process(new Record<>(null, changes.get(i), 0L));
            committed.add(next(scatterContext));
        }
        scatterContext.forwarded().forEach(f -> gathered.add(f.record()));
        for (int i = 0; i < changes.size(); i++) {
            assertEquals(RecordCodec.decodeChange(changes.get(i)) instanceof ChangeRecord.End, committed.get(i),
                    "a commit after change record " + i + " only for a tick's end: " + changes.get(i));
        }

        MockProcessorContext<Object, Object> gatherContext = context("gather");
        open(gatherContext, table.pendingStore(), true);
        open(gatherContext, table.metaStore(), false);
        open(gatherContext, table.stateStore(), true);
        GatherProcessor gather = new GatherProcessor(table, (id, m) -> failures.add(m),
                configs -> (topic, from, upTo, out) -> true);
        init(gather, gatherContext);
        int ends = 0;
        for (int i = 0; i < gathered.size(); i++) {
            gatherContext.setRecordMetadata(table.gatherTopic(), 0, i);
            Record<?, ?> r = gathered.get(i);
            gather.process(new Record<>((String) r.key(), (byte[]) r.value(), r.timestamp()));
            boolean ended = gatherContext.forwarded().stream()
                    .anyMatch(f -> f.record().value() instanceof DeltaRecord.End);
            assertEquals(ended, next(gatherContext), "a commit after gather record " + i + " only when it ran a tick");
            ends += ended ? 1 : 0;
            gatherContext.resetForwards();
        }
        assertEquals(3, ends, "the gathering task ran ticks 5, 6 and 7, each when its second partition ended it");
    }

    @Test
    void aStatelessStreamTableCommitsAfterATicksEndMarkerOnceEverySourceEndedIt() throws Exception {
        CompiledQuery q = QueryCompiler.compile("SELECT id, grp FROM items WHERE id > 1", List.of("public"),
                (schema, name) -> "items".equals(name) ? Optional.of(ITEMS) : Optional.empty());
        RunnableStreamTable table = table(4, q);
        MockProcessorContext<Object, Object> context = context("filter");
        open(context, table.pendingStore(), true);
        open(context, table.metaStore(), false);
        StreamTableProcessor filter = new StreamTableProcessor(table, (id, m) -> failures.add(m));
        init(filter, context);
        List<String> changes = changes(table.id());
        int commits = 0;
        for (int i = 0; i < changes.size(); i++) {
            context.setRecordMetadata(CHANGES, i % 2, i);
            filter.process(new Record<>(null, changes.get(i), 0L));
            boolean ended = context.forwarded().stream().anyMatch(f -> f.record().value() instanceof DeltaRecord.End);
            assertEquals(ended, next(context), "a commit after change record " + i + " only with an end marker");
            commits += ended ? 1 : 0;
            context.resetForwards();
        }
        assertEquals(6, commits, "one end marker per tick and producing partition: ticks 5, 6, 7 on two partitions");
    }

    @Test
    void requestsOfOneThreadAreAGapApartAndATickEndedWithinItIsCommittedByThePunctuation() {
        RunnableStreamTable table = stateful();
        MockProcessorContext<Object, Object> context = context("scatter");
        open(context, table.scatterStore(), false);
        ScatterProcessor scatter = new ScatterProcessor(table, (id, m) -> failures.add(m));
        init(scatter, context);
        var punctuator = context.scheduledPunctuators().get(0);
        assertEquals(TickCommits.MIN_GAP_MS, punctuator.getInterval().toMillis());
        long start = now + 1_000_000;
        process(scatter, context, RecordCodec.encode(new ChangeRecord.Init(5, table.id())), start);
        process(scatter, context, end(5, 0), start);
        assertTrue(next(context), "the first tick's end is committed at once");
        process(scatter, context, end(5, 1), start + 10);
        assertFalse(next(context), "10 ms later, the next end waits");
        punctuator.getPunctuator().punctuate(start + TickCommits.MIN_GAP_MS - 1);
        assertFalse(next(context), "the gap has not passed");
        punctuator.getPunctuator().punctuate(start + TickCommits.MIN_GAP_MS);
        assertTrue(next(context), "the punctuation commits it once the gap has passed");
        punctuator.getPunctuator().punctuate(start + 10 * TickCommits.MIN_GAP_MS);
        assertFalse(next(context), "nothing is due any more");
        process(scatter, context, row(6, 1, 1, "a"), start + 20 * TickCommits.MIN_GAP_MS);
        assertFalse(next(context), "a row asks for no commit");
    }

    private void process(ScatterProcessor scatter, MockProcessorContext<Object, Object> context, String change,
                         long at) {
        context.setCurrentSystemTimeMs(at);
        context.setRecordMetadata(CHANGES, 0, 0);
        scatter.process(new Record<>(null, change, 0L));
    }

    /** Whether the processor requested a commit since the last call; the clock moves on a second. */
    private boolean next(MockProcessorContext<Object, Object> context) {
        boolean committed = context.committed();
        context.resetCommit();
        now += 1000;
        context.setCurrentSystemTimeMs(now);
        return committed;
    }

    private <K, V> void init(Processor<K, V, ?, ?> processor, MockProcessorContext<Object, Object> context) {
        context.setCurrentSystemTimeMs(now);
        @SuppressWarnings({"unchecked", "rawtypes"})
        MockProcessorContext raw = context;
        processor.init(raw);
    }

    /** A fill at tick 5, then ticks 6 and 7, each ended by two partitions (the second after some of the next's rows). */
    private static List<String> changes(long st) {
        List<String> c = new ArrayList<>();
        c.add(RecordCodec.encode(new ChangeRecord.Init(5, st)));
        c.add(RecordCodec.encode(new ChangeRecord.Row(5, 1, values(1, "a"), st)));
        c.add(RecordCodec.encode(new ChangeRecord.Row(5, 1, values(2, "b"), st)));
        c.add(end(5, 0));
        c.add(end(5, 1));
        c.add(row(6, 1, 3, "a"));
        c.add(end(6, 0));
        c.add(row(7, -1, 1, "a"));
        c.add(end(6, 1));
        c.add(row(7, 1, 4, "c"));
        c.add(end(7, 0));
        c.add(end(7, 1));
        return c;
    }

    private static String row(long tick, int weight, int id, String grp) {
        return RecordCodec.encode(new ChangeRecord.Row(tick, weight, values(id, grp), null));
    }

    private static Map<String, String> values(int id, String grp) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("id", Integer.toString(id));
        v.put("grp", grp);
        return v;
    }

    private static String end(long tick, int partition) {
        return RecordCodec.encode(new ChangeRecord.End(tick, partition, 2, 1000 * tick));
    }

    private static RunnableStreamTable stateful() {
        return table(3, new CompiledQuery(List.of(ITEMS), List.of("grp", "n"), new CountPerGroup("public.items"),
                "count per group"));
    }

    private static RunnableStreamTable table(long id, CompiledQuery q) {
        StreamTableDef def = new StreamTableDef(id, "public", "t" + id, "...", List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "items")));
        return RunnableStreamTable.of(def, q, "trickle", 1);
    }

    private MockProcessorContext<Object, Object> context(String name) {
        Path stateDir = dir.resolve(name);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "tick-commits-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new MockProcessorContext<>(p, new TaskId(0, 0), stateDir.toFile());
    }

    private void open(MockProcessorContext<Object, Object> context, String name, boolean bytes) {
        StoreBuilder<? extends KeyValueStore<?, ?>> builder = bytes
                ? Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                : Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.String());
        KeyValueStore<?, ?> store = builder.withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        stores.add(store);
    }
}
