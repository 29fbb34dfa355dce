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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A stream table over another one (D = count per group over upstream B): D follows B's delta topic, its
 * fill (B's storage table at B's tick tb) takes B's deltas after tb up to the fill's tick, each tick runs
 * only once B's delta and the fill topic both ended it, whichever comes first, and fills it cannot
 * complete or an upstream that replaced its content stop D instead of making it wrong.
 */
class UpstreamTopologyTest {
    private static final SourceTable B = new SourceTable("public", "b",
            List.of(new SourceColumn("id", "integer"), new SourceColumn("grp", "text")));
    private static final long UPSTREAM = 7;
    private static final long ST = 9;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> fills;
    private TestInputTopic<String, String> upstream;
    private TestOutputTopic<String, String> delta;
    /** B's delta topic as B's plan of another query writes it: a third column (an alter added it). */
    private TestInputTopic<String, String> widerUpstream;
    private TestInputTopic<String, byte[]> gather;
    private final List<String> failures = new ArrayList<>();
    private final List<String> refills = new ArrayList<>();
    /** B's content as its deltas say, to compute D's expected counts. */
    private final Map<List<String>, Long> b = new HashMap<>();

    @BeforeEach
    void start() {
        CompiledQuery q = new CompiledQuery(List.of(B), List.of("grp", "n"), new CountPerGroup("public.b"), "count per group over b");
        StreamTableDef def = new StreamTableDef(ST, "public", "d", "...", List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "b", UPSTREAM)));
        RunnableStreamTable t = RunnableStreamTable.of(def, q, "trickle", 1).withFloor(2);
        assertTrue(t.stateful(), "a stream table over a stream table is gathered");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "upstream-test");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        ErrorReporter reporter = new ErrorReporter() {
            @Override
            public void streamTableFailed(long id, String message) {
                failures.add(message);
            }

            @Override
            public void refillNeeded(long id, String reason) {
                refills.add(reason);
            }
        };
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), reporter), props);
        fills = driver.createInputTopic(TopicNames.changes("trickle", "public", "b"), new StringSerializer(), Wire.changes());
        upstream = driver.createInputTopic(TopicNames.delta("trickle", "public", "b"), new StringSerializer(), Wire.deltas("id", "grp"));
        delta = driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t));
        widerUpstream = driver.createInputTopic(TopicNames.delta("trickle", "public", "b"), new StringSerializer(),
                Wire.deltas("id", "grp", "extra"));
        gather = driver.createInputTopic(t.gatherTopic(), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void theFillTakesTheUpstreamsDeltasAfterItsTickAndTicksWaitForBothTopics() {
        bDelta(2, 1, "0", "z"); // at the floor: never needed
        bEnd(2, false);
        bDelta(3, 1, "1", "a");
        bEnd(3, false);
        bDelta(4, 1, "2", "a");
        bEnd(4, false);
        // filled at tick 5 from B's storage table, which showed B at tick 3: rows 0 and 1
        fillInit(5, 3L);
        fillRow(5, "0", "z");
        fillRow(5, "1", "a");
        fillEnds(5);
        assertTrue(delta.isEmpty(), "B has not ended tick 5 yet");
        bDelta(5, 1, "3", "b");
        bEnd(5, false);
        assertEquals(new Tick(Map.of(List.of("a", "2"), 1L, List.of("b", "1"), 1L, List.of("z", "1"), 1L), true), readTick());

        fillEnds(6);
        bDelta(6, -1, "1", "a");
        assertTrue(delta.isEmpty());
        bEnd(6, false);
        assertEquals(new Tick(Map.of(List.of("a", "2"), -1L, List.of("a", "1"), 1L), false), readTick());

        bDelta(7, 1, "4", "c"); // B ahead of the fill topic this time
        bEnd(7, false);
        assertTrue(delta.isEmpty(), "the fill topic has not ended tick 7 yet");
        fillEnds(7);
        assertEquals(new Tick(Map.of(List.of("c", "1"), 1L), false), readTick());
        assertTrue(failures.isEmpty() && refills.isEmpty(), failures + " " + refills);
    }

    @Test
    void aFillOlderThanConsumedDeltasIsDroppedAndAnotherOneCompletesIt() {
        fillInit(3, 2L);
        fillEnds(3);
        bEnd(3, false);
        readTick();
        for (long t = 4; t <= 6; t++) {
            bDelta(t, 1, Long.toString(t), "g" + t % 2);
            bEnd(t, false);
            fillEnds(t);
            readTick();
        }
        // a refresh: the fill at tick 7 read B at tick 5, but tick 6's delta is already consumed
        fillInit(7, 5L);
        contentRows(7);
        fillEnds(7);
        bDelta(7, 1, "7", "g1");
        bEnd(7, false);
        assertTrue(delta.isEmpty(), "an incomplete fill must not be emitted");
        assertEquals(1, refills.size(), refills::toString);
        assertTrue(refills.get(0).contains("read public.b at tick 5, but its deltas up to tick 6 were already consumed"),
                refills.get(0));
        bDelta(8, -1, "4", "g0");
        bEnd(8, false);
        fillEnds(8);
        assertTrue(delta.isEmpty(), "stopped until the new fill");

        // the next fill at tick 10 shows B at tick 8; B's deltas of ticks 9 and 10 are added to it
        fillInit(10, 8L);
        contentRows(10);
        fillEnds(10);
        bDelta(9, 1, "9", "g1");
        bEnd(9, false);
        fillEnds(9); // a tick before the fill: not run
        bDelta(10, 1, "10", "g0");
        bEnd(10, false);
        assertEquals(new Tick(expectedCounts(), true), readTick());
        assertTrue(failures.isEmpty(), failures::toString);
    }

    @Test
    void anUpstreamFilledAnewStopsTheDownstreamUntilItsOwnFillWhichStartsFromTheUpstreamsInitialDelta() {
        fillInit(3, 2L);
        fillEnds(3);
        bDelta(3, 1, "1", "a");
        bEnd(3, false);
        assertEquals(new Tick(Map.of(List.of("a", "1"), 1L), true), readTick());
        // B is refreshed at tick 4: its delta is its whole new content
        b.clear();
        bDelta(4, 1, "5", "x");
        bDelta(4, 1, "6", "x");
        bEnd(4, true);
        fillEnds(4);
        assertTrue(delta.isEmpty(), "an initial upstream delta is not a delta");
        bDelta(5, 1, "7", "y");
        bEnd(5, false);
        fillEnds(5);
        assertTrue(delta.isEmpty());
        // D is refilled at tick 6 from B's storage at tick 3 (before B's new fill was applied)
        fillInit(6, 3L);
        fillRow(6, "1", "a");
        fillEnds(6);
        bEnd(6, false);
        assertEquals(new Tick(Map.of(List.of("x", "2"), 1L, List.of("y", "1"), 1L), true), readTick());
        assertTrue(failures.isEmpty() && refills.isEmpty(), failures + " " + refills);
    }

    /** A record on the upstream's delta topic that is not a delta record: D would miss B's change, so it stops. */
    @Test
    void aMalformedUpstreamDeltaStopsTheStreamTable() {
        fillInit(3, 2L);
        fillRow(3, "0", "z");
        fillEnds(3);
        bEnd(3, false);
        assertEquals(new Tick(Map.of(List.of("z", "1"), 1L), true), readTick());
        bDelta(4, 1, "1", "a");
        upstream.pipeInput(null, "not a delta record");
        bEnd(4, false);
        fillEnds(4);
        assertTrue(delta.isEmpty(), "tick 4 would lack the record");
        assertEquals(1, failures.size(), failures::toString);
        assertTrue(failures.get(0).startsWith("a record on upstream delta topic "
                + TopicNames.delta("trickle", "public", "b") + " (partition 0, offset 2) is not a delta record Trickle "
                + "wrote ("), failures::toString);
        assertTrue(failures.get(0).contains("pgtrickle.refresh_stream_table('\"public\".\"d\"')"), failures::toString);
    }

    /**
     * B's query was altered (a column added) and D planned again with a new floor: the rows B's old plan wrote for
     * its other columns, on B's delta topic and already gathered on D's gather topic, are of ticks at or below the
     * floor and are skipped unread, not taken as a foreign writer's records (issue 13).
     */
    @Test
    void rowsOfTheUpstreamsOtherColumnsAtOrBelowTheFloorAreSkipped() {
        widerUpstream.pipeInput("0", RecordCodec.encode(new DeltaRecord.Row(1, 1, List.of("0", "z", "extra"))));
        widerUpstream.pipeInput("0", RecordCodec.encode(new DeltaRecord.Row(2, 1, List.of("0", "z", "extra"))));
        gather.pipeInput(UpstreamInputs.key(0), GatherCodec.encode(new DeltaRecord.Row(2, 1, List.of("9", "q", "x"))));
        bEnd(2, false);
        fillInit(3, 2L);
        fillRow(3, "0", "z");
        fillEnds(3);
        bDelta(3, 1, "1", "a");
        bEnd(3, false);
        assertEquals(new Tick(Map.of(List.of("a", "1"), 1L, List.of("z", "1"), 1L), true), readTick());
        assertTrue(failures.isEmpty() && refills.isEmpty(), failures + " " + refills);
    }

    /**
     * A row of B's other columns above the floor cannot be read by D's plan: D alone stops in ERROR, with a message
     * that names the cause (B's query changed) and the way back, not a foreign writer; the stream thread goes on.
     */
    @Test
    void aRowOfTheUpstreamsOtherColumnsAboveTheFloorStopsOnlyThatStreamTable() {
        fillInit(3, 2L);
        fillRow(3, "0", "z");
        fillEnds(3);
        bEnd(3, false);
        assertEquals(new Tick(Map.of(List.of("z", "1"), 1L), true), readTick());
        widerUpstream.pipeInput("1", RecordCodec.encode(new DeltaRecord.Row(4, 1, List.of("1", "a", "extra"))));
        bEnd(4, false);
        fillEnds(4);
        assertTrue(delta.isEmpty(), "tick 4 would lack the row");
        assertEquals(1, failures.size(), failures::toString);
        String message = failures.get(0);
        assertTrue(message.startsWith("a record on upstream delta topic " + TopicNames.delta("trickle", "public", "b")
                + " (partition 0, offset 1) is a delta row of an upstream stream table written for other columns"),
                message);
        assertTrue(message.contains("the upstream's query changed"), message);
        assertTrue(message.contains("pgtrickle.refresh_stream_table('\"public\".\"d\"')"), message);
        assertTrue(!message.contains("Only Trickle may write"), message);
    }

    /** A gathered row of another width above the floor (formerly an exception that failed the stream thread). */
    @Test
    void aGatheredRowOfAnotherWidthStopsOnlyThatStreamTable() {
        fillInit(3, 2L);
        fillEnds(3);
        bEnd(3, false);
        readTick();
        gather.pipeInput(UpstreamInputs.key(0), GatherCodec.encode(new DeltaRecord.Row(4, 1, List.of("1", "a", "x"))));
        bEnd(4, false);
        fillEnds(4);
        assertTrue(delta.isEmpty(), "tick 4 would lack the row");
        assertEquals(1, failures.size(), failures::toString);
        assertTrue(failures.get(0).contains("upstream stream table public.b sent a row of 3 values at tick 4, but this "
                + "stream table was planned with its 2 columns [id, grp]"), failures::toString);
        bDelta(5, 1, "2", "b");
        bEnd(5, false);
        fillEnds(5);
        assertTrue(delta.isEmpty(), "stopped until refresh_stream_table fills it anew");
    }

    private void bDelta(long tick, long weight, String id, String grp) {
        b.merge(List.of(id, grp), weight, Long::sum);
        b.values().removeIf(w -> w == 0);
        upstream.pipeInput(id, RecordCodec.encode(new DeltaRecord.Row(tick, weight, List.of(id, grp))));
    }

    private void bEnd(long tick, boolean initial) {
        upstream.pipeInput(null, RecordCodec.encode(new DeltaRecord.End(tick, UPSTREAM, 0, 1, 1, 1000 * tick, initial)));
    }

    private void fillInit(long tick, Long upstreamTick) {
        fills.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(tick, ST, upstreamTick)));
    }

    /** B's content now as fill rows (the tests that use it fill from B's current content, older deltas to come). */
    private void contentRows(long tick) {
        b.forEach((row, w) -> {
            for (long i = 0; i < w; i++) {
                fillRow(tick, row.get(0), row.get(1));
            }
        });
    }

    private void fillRow(long tick, String id, String grp) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("grp", grp);
        fills.pipeInput(id, RecordCodec.encode(new ChangeRecord.Row(tick, 1, values, ST)));
    }

    private void fillEnds(long tick) {
        fills.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(tick, 0, 2, 1000 * tick)));
        fills.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(tick, 1, 2, 1000 * tick)));
    }

    private Map<List<String>, Long> expectedCounts() {
        Map<String, Long> counts = new HashMap<>();
        b.forEach((row, w) -> counts.merge(row.get(1), w, Long::sum));
        Map<List<String>, Long> out = new HashMap<>();
        counts.forEach((g, n) -> out.put(List.of(g, Long.toString(n)), 1L));
        return out;
    }

    private record Tick(Map<List<String>, Long> rows, Boolean initial) {
    }

    private Tick readTick() {
        Map<List<String>, Long> rows = new HashMap<>();
        Boolean initial = null;
        while (!delta.isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(delta.readValue());
            if (r instanceof DeltaRecord.Row row) {
                rows.merge(row.values(), row.weight(), Long::sum);
            } else {
                initial = ((DeltaRecord.End) r).initial();
            }
        }
        rows.values().removeIf(w -> w == 0);
        return new Tick(rows, initial);
    }
}
