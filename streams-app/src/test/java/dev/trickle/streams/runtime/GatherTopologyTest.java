package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stateful stream table through the scatter/gather path: ticks complete only when every producing
 * partition ended them, operator state lives in the store across ticks, and a new fill resets it.
 */
class GatherTopologyTest {
    private static final SourceTable ITEMS = new SourceTable("public", "items",
            List.of(new SourceColumn("id", "integer"), new SourceColumn("grp", "text")));
    private static final long ST = 3;

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> changes;
    private TestOutputTopic<String, String> delta;
    private final List<String> failures = new ArrayList<>();

    @BeforeEach
    void start() {
        CompiledQuery q = new CompiledQuery(List.of(ITEMS), List.of("grp", "n"), new CountPerGroup("public.items"), "count per group");
        StreamTableDef def = new StreamTableDef(ST, "public", "counts", "...", List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "items")));
        RunnableStreamTable t = RunnableStreamTable.of(def, q, "trickle", 1);
        assertTrue(t.stateful());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gather-test");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, msg) -> failures.add(msg)), props);
        changes = driver.createInputTopic(TopicNames.changes("trickle", "public", "items"), new StringSerializer(), Wire.changes());
        delta = driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void ticksCompleteWhenEveryProducerEndedThemAndStateCarriesOver() {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(5, ST)));
        row(5, 1, ST, "1", "a");
        row(5, 1, ST, "2", "a");
        row(5, 1, ST, "3", "b");
        end(5, 0);
        assertTrue(delta.isEmpty(), "partition 1 has not ended tick 5 yet");
        end(5, 1);
        assertEquals(new Tick(Map.of(List.of("a", "2"), 1L, List.of("b", "1"), 1L), true), readTick());

        row(6, -1, null, "1", "a");
        row(6, 1, null, "1", "b");
        row(6, 1, null, "4", "c");
        end(6, 1);
        end(6, 0);
        assertEquals(new Tick(Map.of(List.of("a", "2"), -1L, List.of("a", "1"), 1L, List.of("b", "1"), -1L,
                List.of("b", "2"), 1L, List.of("c", "1"), 1L), false), readTick());

        // filled anew at tick 8 (e.g. refresh_stream_table): state starts from nothing
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(8, ST)));
        row(8, 1, ST, "9", "z");
        end(8, 0);
        end(8, 1);
        assertEquals(new Tick(Map.of(List.of("z", "1"), 1L), true), readTick());
        assertTrue(failures.isEmpty(), failures::toString);
    }

    @Test
    void aStreamTableWhoseQueryFailedComesBackWithANewFill() {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(5, ST)));
        row(5, 1, ST, "1", "a");
        end(5, 0);
        end(5, 1);
        readTick();
        // the query fails at tick 6 (as division by zero would): the stream table stops, later ticks emit nothing
        row(6, 1, null, "2", CountPerGroup.FAILING);
        end(6, 0);
        end(6, 1);
        assertEquals(1, failures.size(), failures::toString);
        row(7, 1, null, "3", "a");
        end(7, 0);
        end(7, 1);
        assertTrue(delta.isEmpty());
        // refresh_stream_table once the data is fixed: the new fill's Init brings it back
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(9, ST)));
        row(9, 1, ST, "1", "a");
        row(9, 1, ST, "3", "a");
        end(9, 0);
        end(9, 1);
        assertEquals(new Tick(Map.of(List.of("a", "2"), 1L), true), readTick());
        row(10, 1, null, "4", "b");
        end(10, 0);
        end(10, 1);
        assertEquals(new Tick(Map.of(List.of("b", "1"), 1L), false), readTick());
    }

    @Test
    void aKafkaFailureInsideTheOperatorsIsLeftToKafkaStreamsAndDoesNotStopTheStreamTable() {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(5, ST)));
        row(5, 1, ST, "1", "a");
        end(5, 0);
        end(5, 1);
        readTick();
        row(6, 1, null, "2", CountPerGroup.FENCED);
        end(6, 0);
        StreamsException thrown = assertThrows(StreamsException.class, () -> end(6, 1));
        assertTrue(thrown.getMessage().contains("old epoch") || String.valueOf(thrown.getCause()).contains("old epoch"),
                thrown::toString);
        assertTrue(failures.isEmpty(), "a Kafka failure is not the query's: " + failures);
    }

    private void row(long tick, int weight, Long st, String id, String grp) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("grp", grp);
        changes.pipeInput(id, RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, st)));
    }

    /** The test driver has one partition: the marker names the producing partition itself. */
    private void end(long tick, int partition) {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(tick, partition, 2, 1000 * tick)));
    }

    private record Tick(Map<List<String>, Long> rows, boolean initial) {
    }

    private Tick readTick() {
        Map<List<String>, Long> rows = new HashMap<>();
        Boolean initial = null;
        while (!delta.isEmpty()) {
            DeltaRecord r = RecordCodec.decodeDelta(delta.readValue());
            if (r instanceof DeltaRecord.Row row) {
                rows.merge(row.values(), row.weight(), Long::sum);
            } else {
                DeltaRecord.End e = (DeltaRecord.End) r;
                assertEquals(0, e.producer());
                assertEquals(1, e.producers(), "one gathering task produces the delta");
                initial = e.initial();
            }
        }
        return new Tick(rows, initial);
    }
}
