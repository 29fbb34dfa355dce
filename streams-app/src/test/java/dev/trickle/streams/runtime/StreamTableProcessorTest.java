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

/** The per-tick processor through Kafka Streams' TopologyTestDriver: ticks, initial fills, markers. */
class StreamTableProcessorTest {
    private static final SourceTable ORDERS = new SourceTable("public", "orders", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("amount", "numeric(10,2)"), new SourceColumn("note", "text")));
    private static final long ST = 7;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> changes;
    private TestOutputTopic<String, String> delta;
    private final List<String> failures = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        start("SELECT id, amount * 2 AS doubled, upper(note) AS note FROM orders WHERE amount > 10");
    }

    private void start(String query) throws Exception {
        if (driver != null) {
            driver.close();
        }
        CompiledQuery q = QueryCompiler.compile(query, List.of("public"), (schema, name) -> "public".equals(schema) && "orders".equals(name) ? Optional.of(ORDERS) : Optional.empty());
        StreamTableDef def = new StreamTableDef(ST, "public", "big orders", "...", List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "orders")));
        RunnableStreamTable t = RunnableStreamTable.of(def, q, "trickle", 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, msg) -> failures.add(id + ": " + msg)), props);
        changes = driver.createInputTopic(TopicNames.changes("trickle", "public", "orders"), new StringSerializer(), Wire.changes());
        delta = driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void initialFillThenIncrementalTicks() {
        // before its fill the stream table ignores input: the fill contains it
        row(4, 1, null, "1", "50.00", "a");
        end(4);
        assertTrue(delta.isEmpty());

        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(5, ST)));
        row(5, 1, ST, "1", "50.00", "a");
        row(5, 1, ST, "2", "5.00", "b");
        row(5, 1, ST, "3", "11.5", null);
        row(5, 1, 99L, "4", "70.00", "other stream table's fill");
        row(5, 1, null, "1", "50.00", "a"); // the tick's own change, already in the fill
        end(5);
        Tick t5 = readTick();
        assertTrue(t5.initial);
        assertEquals(Map.of(List.of("1", "100.00", "A"), 1L, List.of("3", "23.0", "<null>"), 1L), t5.rows);

        // an update that leaves the filter, one that enters it, an insert deleted again in the same tick
        row(6, -1, null, "1", "50.00", "a");
        row(6, 1, null, "1", "9.00", "a");
        row(6, -1, null, "2", "5.00", "b");
        row(6, 1, null, "2", "12.00", "b");
        row(6, 1, null, "9", "99.00", "gone");
        row(6, -1, null, "9", "99.00", "gone");
        end(6);
        Tick t6 = readTick();
        assertEquals(false, t6.initial);
        assertEquals(Map.of(List.of("1", "100.00", "A"), -1L, List.of("2", "24.00", "B"), 1L), t6.rows);

        end(7); // an idle tick still ends, so that the stream table advances
        assertEquals(Map.of(), readTick().rows);
        assertTrue(failures.isEmpty(), failures::toString);
    }

    @Test
    void evaluationErrorStopsTheStreamTableAndIsReported() throws Exception {
        start("SELECT id, 100 / (id - 1) AS q FROM orders");
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(1, ST)));
        row(1, 1, ST, "3", "1", "x");
        end(1);
        assertEquals(Map.of(List.of("3", "50"), 1L), readTick().rows);
        row(2, 1, null, "1", "1", "x");
        end(2);
        assertEquals(List.of(), drainMarkers(), "no marker for a tick that failed");
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).startsWith(ST + ": ") && failures.get(0).contains("division by zero"), failures::toString);
        row(3, 1, null, "5", "1", "x");
        end(3);
        assertEquals(List.of(), drainMarkers(), "a failed stream table stays stopped");
    }

    @Test
    void queryErrorInTheMiddleOfATickLeavesTheTickUnendedAndANewFillBringsItBack() throws Exception {
        start("SELECT id, 100 / (id - 1) AS q FROM orders");
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(1, ST)));
        row(1, 1, ST, "3", "1", "x");
        end(1);
        assertEquals(Map.of(List.of("3", "50"), 1L), readTick().rows);

        // rows go out as they come: the two before the bad one are sent, then the stream table stops
        row(2, 1, null, "5", "1", "x");
        row(2, 1, null, "11", "1", "x");
        row(2, 1, null, "1", "1", "x");
        row(2, 1, null, "6", "1", "x");
        end(2);
        List<DeltaRecord> sent = new ArrayList<>();
        while (!delta.isEmpty()) {
            sent.add(RecordCodec.decodeDelta(delta.readValue()));
        }
        assertEquals(List.of(new DeltaRecord.Row(2, 1, List.of("5", "25")), new DeltaRecord.Row(2, 1, List.of("11", "10"))),
                sent, "no end marker: the sink never applies tick 2, the stream table stays at tick 1");
        assertEquals(1, failures.size(), failures::toString);
        assertTrue(failures.get(0).contains("at tick 2") && failures.get(0).contains("division by zero"),
                failures::toString);

        // refresh_stream_table: a new fill (without the bad row) at tick 4 is emitted whole and ended
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(4, ST)));
        row(4, 1, ST, "5", "1", "x");
        row(4, 1, ST, "3", "1", "x");
        end(4);
        Tick t4 = readTick();
        assertTrue(t4.initial);
        assertEquals(Map.of(List.of("5", "25"), 1L, List.of("3", "50"), 1L), t4.rows);
        row(5, -1, null, "5", "1", "x");
        end(5);
        assertEquals(Map.of(List.of("5", "25"), -1L), readTick().rows);
        assertEquals(1, failures.size(), failures::toString);
    }

    /**
     * Two sources: rows of tick 2 from one source go out while tick 1 still waits for the other source's end
     * marker; end markers still leave in tick order, and each tick's rows sum to its delta.
     */
    @Test
    void twoSourcesRowsOfALaterTickMayPrecedeTheEarlierTicksEndMarker() throws Exception {
        SourceTable returns = new SourceTable("public", "returns", ORDERS.columns());
        CompiledQuery q = QueryCompiler.compile("SELECT id, note FROM orders UNION ALL SELECT id, note FROM returns",
                List.of("public"), (schema, name) -> Optional.ofNullable("orders".equals(name) ? ORDERS
                        : "returns".equals(name) ? returns : null));
        RunnableStreamTable t = RunnableStreamTable.of(new StreamTableDef(ST, "public", "both", "...", List.of("public"),
                "AUTO", "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", "orders"),
                        new StreamTableDef.SourceName("public", "returns"))), q, "trickle", 1);
        assertTrue(!t.stateful());
        driver.close();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test-two");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, msg) -> failures.add(id + ": " + msg)), props);
        changes = driver.createInputTopic(TopicNames.changes("trickle", "public", "orders"), new StringSerializer(),
                Wire.changes());
        TestInputTopic<String, String> other = driver.createInputTopic(TopicNames.changes("trickle", "public", "returns"),
                new StringSerializer(), Wire.changes());
        delta = driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t));

        for (TestInputTopic<String, String> in : List.of(changes, other)) {
            in.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(1, ST)));
            in.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(1, 0, 1, 1000)));
        }
        assertEquals(Map.of(), readTick().rows);
        row(2, 1, null, "1", "1", "a");
        end(2);
        row(3, 1, null, "2", "1", "b"); // tick 3 on orders while returns has not ended tick 2
        other.pipeInput(null, RecordCodec.encode(new ChangeRecord.Row(2, 1, Map.of("id", "9", "amount", "1", "note", "r"), null)));
        other.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(2, 0, 1, 2000)));
        other.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(3, 0, 1, 3000)));
        end(3);
        Map<Long, Map<List<String>, Long>> byTick = new HashMap<>();
        List<Long> ends = new ArrayList<>();
        while (!delta.isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(delta.readValue());
            if (r instanceof DeltaRecord.Row row) {
                assertTrue(!ends.contains(row.tick()), "no row after its tick's end marker: " + r);
                byTick.computeIfAbsent(row.tick(), k -> new HashMap<>()).merge(row.values(), row.weight(), Long::sum);
            } else {
                ends.add(r.tick());
            }
        }
        assertEquals(List.of(2L, 3L), ends);
        assertEquals(Map.of(2L, Map.of(List.of("1", "a"), 1L, List.of("9", "r"), 1L), 3L, Map.of(List.of("2", "b"), 1L)),
                byTick);
        assertTrue(failures.isEmpty(), failures::toString);
    }

    private void row(long tick, int weight, Long st, String id, String amount, String note) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("amount", amount);
        values.put("note", note);
        changes.pipeInput(id, RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, st)));
    }

    private void end(long tick) {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(tick, 0, 1, 1000 * tick)));
    }

    private record Tick(Map<List<String>, Long> rows, boolean initial) {
    }

    /** Reads one tick: its rows, then its end marker. */
    private Tick readTick() {
        Map<List<String>, Long> rows = new HashMap<>();
        int markers = 0;
        boolean initial = false;
        while (!delta.isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(delta.readValue());
            if (r instanceof DeltaRecord.Row row) {
                assertEquals(0, markers, "rows precede the markers");
                rows.merge(row.values().stream().map(v -> v == null ? "<null>" : v).toList(), row.weight(), Long::sum);
            } else if (r instanceof DeltaRecord.End e) {
                markers++;
                initial = e.initial();
                assertEquals(ST, e.streamTable());
                assertEquals(1, e.producers());
                assertEquals(1, e.partitions());
            }
        }
        assertEquals(1, markers, "one end marker per tick (the test driver has one partition; see DeltaPartitionerTest)");
        // rows go out as they come, unconsolidated (a row inserted and deleted in one tick is sent twice): the
        // sink consolidates the tick, as done here
        rows.values().removeIf(w -> w == 0);
        return new Tick(rows, initial);
    }

    private List<String> drainMarkers() {
        List<String> out = new ArrayList<>();
        while (!delta.isEmpty()) {
            out.add(delta.readValue());
        }
        return out;
    }
}
