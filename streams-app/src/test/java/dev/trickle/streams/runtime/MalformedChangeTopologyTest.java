package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A record on a change topic that Trickle did not write: skipping it would lose a change, so exactly the
 * stream tables reading that topic stop (stateless and stateful alike), each reported once with the
 * record's place; a stream table over another topic goes on, and a new fill brings the stopped ones back.
 */
class MalformedChangeTopologyTest {
    private static final SourceTable ITEMS = new SourceTable("public", "items",
            List.of(new SourceColumn("id", "integer"), new SourceColumn("grp", "text")));
    private static final SourceTable OTHERS = new SourceTable("public", "others",
            List.of(new SourceColumn("id", "integer")));
    private static final long PLAIN = 1;
    private static final long COUNTS = 2;
    private static final long OTHER = 3;
    private static final String ITEMS_TOPIC = TopicNames.changes("trickle", "public", "items");

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> items;
    private TestInputTopic<String, String> others;
    private final Map<Long, TestOutputTopic<String, String>> deltas = new HashMap<>();
    private final List<String> failures = new ArrayList<>();
    private long itemsOffset;

    @BeforeEach
    void start() throws Exception {
        RunnableStreamTable plain = stateless(PLAIN, "plain", "SELECT id, grp FROM items", "items");
        RunnableStreamTable other = stateless(OTHER, "other", "SELECT id FROM others", "others");
        CompiledQuery q = new CompiledQuery(List.of(ITEMS), List.of("grp", "n"), new CountPerGroup("public.items"),
                "count per group");
        RunnableStreamTable counts = RunnableStreamTable.of(new StreamTableDef(COUNTS, "public", "counts", "...",
                List.of("public"), "AUTO", "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", "items"))),
                q, "trickle", 1);
        assertTrue(counts.stateful());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "malformed-test");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(plain, counts, other),
                (id, msg) -> failures.add(id + ": " + msg)), props);
        items = driver.createInputTopic(ITEMS_TOPIC, new StringSerializer(), Wire.changes());
        others = driver.createInputTopic(TopicNames.changes("trickle", "public", "others"), new StringSerializer(), Wire.changes());
        for (RunnableStreamTable t : List.of(plain, counts, other)) {
            deltas.put(t.id(), driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t)));
        }
    }

    private static RunnableStreamTable stateless(long id, String name, String query, String table) throws Exception {
        CompiledQuery q = QueryCompiler.compile(query, List.of("public"), (schema, n) -> Optional.ofNullable(
                "items".equals(n) ? ITEMS : "others".equals(n) ? OTHERS : null));
        RunnableStreamTable t = RunnableStreamTable.of(new StreamTableDef(id, "public", name, query, List.of("public"),
                "AUTO", "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", table))), q, "trickle", 1);
        assertTrue(!t.stateful());
        return t;
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void exactlyTheStreamTablesReadingTheTopicStopAndComeBackWithANewFill() {
        fill(5);
        assertEquals(Map.of(List.of("1", "a"), 1L, List.of("2", "b"), 1L), readTick(PLAIN));
        assertEquals(Map.of(List.of("a", "1"), 1L, List.of("b", "1"), 1L), readTick(COUNTS));
        assertEquals(Map.of(List.of("1"), 1L), readTick(OTHER));

        item(6, 1, null, "3", "a");
        long garbage = itemsOffset;
        pipe(items, "{\"this\": \"is not a change record\"}");
        item(6, 1, null, "4", "c");
        pipe(items, RecordCodec.encode(new ChangeRecord.End(6, 0, 1, 6000)));
        other(6, 1, null, "2");
        pipe(others, RecordCodec.encode(new ChangeRecord.End(6, 0, 1, 6000)));

        // the stateless one sent the row before the bad record as it came, but never ends the tick: the sink
        // applies only ended ticks, so tick 6 is never applied
        assertEquals(List.of(new DeltaRecord.Row(6, 1, List.of("3", "a"))), unended(PLAIN));
        assertTrue(deltas.get(COUNTS).isEmpty(), "the tick that would lack the record is not emitted");
        assertEquals(Map.of(List.of("2"), 1L), readTick(OTHER));
        assertEquals(2, failures.size(), failures::toString);
        String place = "a record on change topic " + ITEMS_TOPIC + " (partition 0, offset " + garbage
                + ") is not a change record Trickle wrote (";
        assertTrue(failures.get(0).startsWith(PLAIN + ": " + place), failures::toString);
        assertTrue(failures.get(0).endsWith("), so the stream table would miss a change: it stays at its last tick. "
                + "Only Trickle may write to its topics; run pgtrickle.refresh_stream_table('\"public\".\"plain\"') to fill it "
                + "anew"), failures::toString);
        assertTrue(failures.get(1).startsWith(COUNTS + ": " + place), failures::toString);
        assertTrue(failures.get(1).contains("pgtrickle.refresh_stream_table('\"public\".\"counts\"')"), failures::toString);

        // stopped: later ticks emit nothing, and another bad record is not reported again
        item(7, 1, null, "5", "a");
        pipe(items, "garbage again");
        pipe(items, RecordCodec.encode(new ChangeRecord.End(7, 0, 1, 7000)));
        assertTrue(deltas.get(PLAIN).isEmpty());
        assertTrue(deltas.get(COUNTS).isEmpty());
        assertEquals(2, failures.size(), failures::toString);

        // refresh_stream_table: the new fill's Init brings both back
        pipe(items, RecordCodec.encode(new ChangeRecord.Init(9, PLAIN)));
        pipe(items, RecordCodec.encode(new ChangeRecord.Init(9, COUNTS)));
        for (long st : List.of(PLAIN, COUNTS)) {
            item(9, 1, st, "7", "z");
        }
        pipe(items, RecordCodec.encode(new ChangeRecord.End(9, 0, 1, 9000)));
        assertEquals(Map.of(List.of("7", "z"), 1L), readTick(PLAIN));
        assertEquals(Map.of(List.of("z", "1"), 1L), readTick(COUNTS));
        item(10, 1, null, "8", "z");
        pipe(items, RecordCodec.encode(new ChangeRecord.End(10, 0, 1, 10000)));
        assertEquals(Map.of(List.of("8", "z"), 1L), readTick(PLAIN));
        assertEquals(Map.of(List.of("z", "1"), -1L, List.of("z", "2"), 1L), readTick(COUNTS));
        assertEquals(2, failures.size(), failures::toString);
    }

    @Test
    void aBadRecordBeforeTheFillIsSkipped() {
        pipe(items, "not json at all");
        fill(5);
        assertEquals(Map.of(List.of("1", "a"), 1L, List.of("2", "b"), 1L), readTick(PLAIN));
        assertEquals(Map.of(List.of("a", "1"), 1L, List.of("b", "1"), 1L), readTick(COUNTS));
        assertTrue(failures.isEmpty(), "the fill holds every change: " + failures);
    }

    /** Tick {@code tick} fills all three stream tables. */
    private void fill(long tick) {
        for (long st : List.of(PLAIN, COUNTS)) {
            pipe(items, RecordCodec.encode(new ChangeRecord.Init(tick, st)));
            item(tick, 1, st, "1", "a");
            item(tick, 1, st, "2", "b");
        }
        pipe(items, RecordCodec.encode(new ChangeRecord.End(tick, 0, 1, 1000 * tick)));
        pipe(others, RecordCodec.encode(new ChangeRecord.Init(tick, OTHER)));
        other(tick, 1, OTHER, "1");
        pipe(others, RecordCodec.encode(new ChangeRecord.End(tick, 0, 1, 1000 * tick)));
    }

    private void item(long tick, int weight, Long st, String id, String grp) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("grp", grp);
        pipe(items, RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, st)));
    }

    private void other(long tick, int weight, Long st, String id) {
        pipe(others, RecordCodec.encode(new ChangeRecord.Row(tick, weight, Map.of("id", id), st)));
    }

    private void pipe(TestInputTopic<String, String> topic, String value) {
        topic.pipeInput(null, value);
        if (topic == items) {
            itemsOffset++;
        }
    }

    /** What a stream table sent without an End marker (the rows of a tick it never ended). */
    private List<DeltaRecord> unended(long st) {
        List<DeltaRecord> out = new ArrayList<>();
        while (!deltas.get(st).isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(deltas.get(st).readValue());
            assertTrue(r instanceof DeltaRecord.Row, "no End marker: " + r);
            out.add(r);
        }
        return out;
    }

    /** The rows of one emitted tick of a stream table (with its one End marker). */
    private Map<List<String>, Long> readTick(long st) {
        TestOutputTopic<String, String> out = deltas.get(st);
        Map<List<String>, Long> rows = new HashMap<>();
        int ends = 0;
        while (!out.isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(out.readValue());
            if (r instanceof DeltaRecord.Row row) {
                rows.merge(row.values(), row.weight(), Long::sum);
            } else {
                ends++;
            }
        }
        assertEquals(1, ends, "one End marker for stream table " + st);
        return rows;
    }
}
