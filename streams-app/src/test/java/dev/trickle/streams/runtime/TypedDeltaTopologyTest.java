package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The streams app reads typed change records and writes typed delta records through the configured
 * converters: column types from the stream table's storage table, and a key Struct of its unique key.
 */
class TypedDeltaTopologyTest {
    private static final SourceTable ORDERS = new SourceTable("public", "orders", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("grp", "text"), new SourceColumn("amount", "numeric(10,2)")));
    private static final String CHANGES = TopicNames.changes("trickle", "public", "orders");
    private static final long ST = 3;

    @Test
    void typedChangesInTypedAndKeyedDeltaOut() throws Exception {
        CompiledQuery q = QueryCompiler.compile("SELECT grp, sum(amount) AS total FROM orders GROUP BY grp", List.of("public"),
                (schema, name) -> "orders".equals(name) ? Optional.of(ORDERS) : Optional.empty());
        RunnableStreamTable t = RunnableStreamTable.of(new StreamTableDef(ST, "public", "totals", "...", List.of("public"),
                "AUTO", "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", "orders"))), q, "trickle", 1);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "typed");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        TopicCodecs codecs = new TopicCodecs(keys, values);
        codecs.outputTypes(ST, List.of("text", "numeric"));
        codecs.uniqueKey(ST, List.of(0));
        ChangeRecords in = TopicSchemas.change(CHANGES, List.of("id", "grp", "amount"),
                List.of("integer", "text", "numeric(10,2)"), List.of("id"));
        List<String> failures = new ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, m) -> failures.add(m),
                codecs), props)) {
            TestInputTopic<byte[], byte[]> changes = driver.createInputTopic(CHANGES, new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> delta = driver.createOutputTopic(t.deltaTopic(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            for (ChangeRecord r : List.of(new ChangeRecord.Init(5, ST), row(1, "a", "1.50"), row(2, "a", "2.25"),
                    row(3, "b", null), new ChangeRecord.End(5, 0, 1, 5000))) {
                changes.pipeInput(null, values.fromConnectData(CHANGES, in.valueSchema(), in.value(r)));
            }
            Map<String, BigDecimal> totals = new java.util.HashMap<>();
            int markers = 0;
            for (TestRecord<byte[], byte[]> out : delta.readRecordsToList()) {
                Struct value = (Struct) values.toConnectData(t.deltaTopic(), out.value()).value();
                DeltaRecord d = DeltaRecords.decode(value);
                if (d instanceof DeltaRecord.Row row) {
                    Struct key = (Struct) keys.toConnectData(t.deltaTopic(), out.key()).value();
                    assertEquals(row.values().get(0), key.getString("grp"), "keyed by the unique key");
                    assertEquals("trickle.delta.public.totals.Key", key.schema().name());
                    Struct typed = value.getStruct("row");
                    assertEquals("io.debezium.data.VariableScaleDecimal", typed.schema().field("total").schema().name());
                    totals.put(row.values().get(0), row.values().get(1) == null ? null : new BigDecimal(row.values().get(1)));
                } else {
                    assertNull(out.key(), "end markers have no key");
                    markers++;
                }
            }
            assertEquals(1, markers);
            Map<String, BigDecimal> expected = new java.util.HashMap<>();
            expected.put("a", new BigDecimal("3.75"));
            expected.put("b", null);
            assertEquals(expected, totals);
            assertTrue(failures.isEmpty(), failures::toString);
        }
    }

    /**
     * The shipped default: JsonConverter without schemas, numerics as strings. Change rows are maps whose values
     * are read by the planned source's column types; the delta carries the sum as its exact text and is keyed.
     */
    @Test
    void schemalessChangesInExactSchemalessDeltaOut() throws Exception {
        CompiledQuery q = QueryCompiler.compile("SELECT grp, sum(amount) AS total FROM orders GROUP BY grp", List.of("public"),
                (schema, name) -> "orders".equals(name) ? Optional.of(ORDERS) : Optional.empty());
        RunnableStreamTable t = RunnableStreamTable.of(new StreamTableDef(ST, "public", "totals", "...", List.of("public"),
                "AUTO", "ACTIVE", true, List.of(new StreamTableDef.SourceName("public", "orders"))), q, "trickle", 1);
        TopicCodecs codecs = TopicCodecs.json();
        codecs.outputTypes(ST, List.of("text", "numeric"));
        codecs.uniqueKey(ST, List.of(0));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "schemaless");
        // a state directory of this JVM: test runs of other checkouts at the same time would hold the same one
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-tests-" + ProcessHandle.current().pid());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "false"), false);
        ChangeRecords in = TopicSchemas.change(CHANGES, List.of("id", "grp", "amount"),
                List.of("integer", "text", "numeric(10,2)"), List.of("id"), DecimalHandling.STRING);
        List<String> failures = new ArrayList<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(TopologyFactory.build(List.of(t), (id, m) -> failures.add(m),
                codecs), props)) {
            TestInputTopic<byte[], byte[]> changes = driver.createInputTopic(CHANGES, new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> delta = driver.createOutputTopic(t.deltaTopic(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            for (ChangeRecord r : List.of(new ChangeRecord.Init(5, ST), row(1, "a", "1.50"), row(2, "a", "2.25"),
                    row(3, "b", null), row(4, "c", "12345678.10"), row(5, "c", "-12345678.00"),
                    new ChangeRecord.End(5, 0, 1, 5000))) {
                changes.pipeInput(null, json.fromConnectData(CHANGES, in.valueSchema(), in.value(r)));
            }
            RowReader columns = RowReader.of(List.of("grp", "total"), List.of("text", "numeric"));
            Map<String, String> totals = new java.util.HashMap<>();
            for (TestRecord<byte[], byte[]> out : delta.readRecordsToList()) {
                String text = new String(out.value(), java.nio.charset.StandardCharsets.UTF_8);
                if (DeltaRecords.decode(json.toConnectData(t.deltaTopic(), out.value()).value(), columns)
                        instanceof DeltaRecord.Row row) {
                    assertEquals("{\"grp\":\"" + row.values().get(0) + "\"}",
                            new String(out.key(), java.nio.charset.StandardCharsets.UTF_8), "keyed by the unique key");
                    assertTrue(text.startsWith("{\"kind\":\"row\""), text);
                    totals.put(row.values().get(0), row.values().get(1));
                }
            }
            Map<String, String> expected = new java.util.HashMap<>();
            expected.put("a", "3.75");
            expected.put("b", null);
            expected.put("c", "0.10");
            assertEquals(expected, totals);
            assertTrue(failures.isEmpty(), failures::toString);
        }
    }

    private static ChangeRecord row(int id, String grp, String amount) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("id", Integer.toString(id));
        values.put("grp", grp);
        values.put("amount", amount);
        return new ChangeRecord.Row(5, 1, values, ST);
    }
}
