package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.metrics.TrickleMetric;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
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
 * The engine's metrics per stream table as a JMX client reads them (domain trickle.streams), while ticks run
 * through the topology: output tick, rows in and out (out equal to the delta records' weights), lag, errors.
 */
class EngineMetricsTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private static final SourceTable ITEMS = new SourceTable("public", "metric_items", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("note", "text")));
    private static final long ST = 11;
    private static final String NAME = "public.metric_quotients";

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> changes;
    private TestOutputTopic<String, String> delta;
    private final List<String> failures = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        CompiledQuery q = QueryCompiler.compile("SELECT id, 100 / (id - 1) AS q FROM metric_items", List.of("public"),
                (schema, name) -> "metric_items".equals(name) ? Optional.of(ITEMS) : Optional.empty());
        StreamTableDef def = new StreamTableDef(ST, "public", "metric_quotients", "...", List.of("public"), "AUTO",
                "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", "metric_items")));
        RunnableStreamTable t = RunnableStreamTable.of(def, q, "trickle", 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-test");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, msg) -> failures.add(msg)), props);
        changes = driver.createInputTopic(TopicNames.changes("trickle", "public", "metric_items"), new StringSerializer(),
                Wire.changes());
        delta = driver.createOutputTopic(t.deltaTopic(), new StringDeserializer(), Wire.deltaText(t));
    }

    @AfterEach
    void stop() {
        driver.close();
        EngineMetrics.shared().retain(List.of());
    }

    private static ObjectName bean() throws Exception {
        return new ObjectName(EngineMetrics.DOMAIN, new Hashtable<>(TrickleMetric.STREAMS_OUTPUT_TICK.mbeanTags(Map.of(), NAME)));
    }

    private static double read(TrickleMetric m) throws Exception {
        return ((Number) JMX.getAttribute(bean(), m.metricName)).doubleValue();
    }

    @Test
    void metricsFollowTheTicksAndTheRowsTheyEmit() throws Exception {
        long now = System.currentTimeMillis();
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.Init(1, ST)));
        row(1, 1, ST, "3");
        row(1, 1, ST, "5");
        end(1, now - 2_000);
        assertEquals(2, readTickRows());
        assertEquals(1, read(TrickleMetric.STREAMS_OUTPUT_TICK));
        assertEquals(2, read(TrickleMetric.STREAMS_ROWS_IN_LAST));
        assertEquals(2, read(TrickleMetric.STREAMS_ROWS_OUT_LAST));
        double lag = read(TrickleMetric.STREAMS_LAG_SECONDS);
        assertTrue(lag >= 2 && lag < 60, "the output is as old as tick 1's snapshot: " + lag);

        // an update of one row (-old/+new in, -old/+new out) and a row that is inserted twice
        row(2, -1, null, "3");
        row(2, 1, null, "6");
        row(2, 1, null, "11");
        row(2, 1, null, "11");
        end(2, System.currentTimeMillis());
        long out = readTickRows();
        assertEquals(4, out, "delete 50, insert 20, insert 10 twice");
        assertEquals(2, read(TrickleMetric.STREAMS_OUTPUT_TICK));
        assertEquals(4, read(TrickleMetric.STREAMS_ROWS_IN_LAST));
        assertTrue(read(TrickleMetric.STREAMS_EVAL_MS_TOTAL) > 0);
        assertEquals(out, read(TrickleMetric.STREAMS_ROWS_OUT_LAST), "rows out per tick are the delta's rows");
        assertEquals(6, read(TrickleMetric.STREAMS_ROWS_OUT_TOTAL));
        assertEquals(6, read(TrickleMetric.STREAMS_ROWS_IN_TOTAL));
        assertEquals(2, read(TrickleMetric.STREAMS_TICKS_TOTAL));
        assertTrue(read(TrickleMetric.STREAMS_LAG_SECONDS) < 60);
        assertEquals(0, read(TrickleMetric.STREAMS_STATUS));

        // id 1 divides by zero: the stream table stops in ERROR at tick 2
        row(3, 1, null, "1");
        end(3, System.currentTimeMillis());
        assertEquals(0, readTickRows(), "a failed tick emits nothing");
        assertEquals(1, failures.size(), failures::toString);
        assertEquals(1, read(TrickleMetric.STREAMS_ERRORS_TOTAL));
        assertEquals(1, read(TrickleMetric.STREAMS_STATUS));
        assertEquals(2, read(TrickleMetric.STREAMS_OUTPUT_TICK), "it stays at its last good tick");

        Set<String> attributes = new HashSet<>();
        for (MBeanAttributeInfo a : JMX.getMBeanInfo(bean()).getAttributes()) {
            attributes.add(a.getName());
        }
        Set<String> documented = new HashSet<>();
        TrickleMetric.of(TrickleMetric.Component.STREAMS).forEach(m -> documented.add(m.metricName));
        assertEquals(documented, attributes);

        EngineMetrics.shared().retain(List.of("\"public\".\"other\""));
        assertFalse(JMX.isRegistered(bean()), "a stream table no longer in the catalog has no MBean");
    }

    @Test
    void aFailureShowsUntilAFillEvenWhileAnotherTaskOfTheStreamTableEndsTicks() throws Exception {
        EngineMetrics metrics = EngineMetrics.shared();
        metrics.emitted(NAME, 4, System.currentTimeMillis(), false);
        metrics.failed(NAME); // the task of partition 0 fails at tick 5
        metrics.emitted(NAME, 5, System.currentTimeMillis(), false); // the task of partition 1 ends tick 5
        assertEquals(1, read(TrickleMetric.STREAMS_STATUS), "the error shows while the other task still runs");
        assertEquals(1, read(TrickleMetric.STREAMS_ERRORS_TOTAL));
        metrics.emitted(NAME, 9, System.currentTimeMillis(), true); // refresh_stream_table filled it anew
        assertEquals(0, read(TrickleMetric.STREAMS_STATUS), "a fill clears the error");
        assertEquals(1, read(TrickleMetric.STREAMS_ERRORS_TOTAL), "the count stays");
    }

    private void row(long tick, int weight, Long st, String id) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("note", "n" + id);
        changes.pipeInput(id, RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, st)));
    }

    private void end(long tick, long tickMillis) {
        changes.pipeInput(null, RecordCodec.encode(new ChangeRecord.End(tick, 0, 1, tickMillis)));
    }

    /** The rows of what the delta topic holds (weights counted as rows), its markers left out. */
    private long readTickRows() {
        long rows = 0;
        while (!delta.isEmpty()) {
            if (RecordCodec.decodeDelta(delta.readValue()) instanceof DeltaRecord.Row row) {
                rows += Math.abs(row.weight());
            }
        }
        return rows;
    }
}
