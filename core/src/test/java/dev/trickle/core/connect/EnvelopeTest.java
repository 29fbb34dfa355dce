package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final String TOPIC = "trickle.changes.public.orders";
    private final JsonConverter json = converter();

    private static JsonConverter converter() {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "true"), false);
        return c;
    }

    private Object roundTrip(Schema schema, Object value) {
        return json.toConnectData(TOPIC, json.fromConnectData(TOPIC, schema, value)).value();
    }

    @Test
    void changeRecordsRoundTripThroughJsonByColumnName() {
        ChangeRecords topic = TopicSchemas.change(TOPIC, List.of("id", "Odd col", "amount"),
                List.of("integer", "text", "numeric(10,2)"), List.of("id"));
        Map<String, String> row = new LinkedHashMap<>();
        row.put("id", "1");
        row.put("Odd col", null);
        row.put("amount", "12.50");
        for (ChangeRecord r : new ChangeRecord[] {new ChangeRecord.Row(7, -1, row, null), new ChangeRecord.Row(7, 1, row, 5L),
                new ChangeRecord.Init(7, 5), new ChangeRecord.Init(7, 5, 6L), new ChangeRecord.End(7, 2, 4, 1_700_000_000_000L)}) {
            assertEquals(r, ChangeRecords.decode(roundTrip(topic.valueSchema(), topic.value(r))));
        }
        Struct key = (Struct) roundTrip(topic.keySchema(), topic.key(row));
        assertEquals(1, key.getInt32("id"));
        assertEquals("trickle.changes.public.orders.Key", topic.keySchema().name());
        assertEquals("trickle.changes.public.orders.Envelope", topic.valueSchema().name());
        assertEquals("Odd col", topic.valueSchema().field("row").schema().field("Odd_col").schema().parameters()
                .get(RowSchema.PG_COLUMN));
    }

    @Test
    void recordsWithoutSchemasAreReadByTheCatalogsColumns() {
        JsonConverter schemaless = new JsonConverter();
        schemaless.configure(Map.of("schemas.enable", "false"), false);
        List<String> columns = List.of("id", "Odd col", "amount", "added");
        List<String> types = List.of("integer", "text", "numeric(10,2)", "date");
        ChangeRecords topic = TopicSchemas.change(TOPIC, columns.subList(0, 3), types.subList(0, 3), List.of("id"),
                DecimalHandling.STRING);
        Map<String, String> row = new LinkedHashMap<>();
        row.put("id", "1");
        row.put("Odd col", null);
        row.put("amount", "12.50");
        // the catalog knows a column the writer did not have yet: left out, as the writer's Struct would leave it
        RowReader reader = RowReader.of(columns, types);
        for (ChangeRecord r : new ChangeRecord[] {new ChangeRecord.Row(7, -1, row, null), new ChangeRecord.Row(7, 1, row, 5L),
                new ChangeRecord.Init(7, 5), new ChangeRecord.Init(7, 5, 6L), new ChangeRecord.End(7, 2, 4, 1_700_000_000_000L)}) {
            Object back = schemaless.toConnectData(TOPIC, schemaless.fromConnectData(TOPIC, topic.valueSchema(),
                    topic.value(r))).value();
            assertTrue(back instanceof Map, "schemaless JSON reads back a map");
            assertEquals(r, ChangeRecords.decode(back, reader));
        }
        assertMessage("Struct or map with fields kind and tick", () -> ChangeRecords.decode(List.of(1), reader));
        assertMessage("read by the source's columns", () -> ChangeRecords.decode(schemaless.toConnectData(TOPIC,
                schemaless.fromConnectData(TOPIC, topic.valueSchema(), topic.value(new ChangeRecord.Row(7, 1, row, null))))
                .value()));
    }

    @Test
    void deltaRowsOfOtherColumnsAreMalformedWithAReason() {
        JsonConverter schemaless = new JsonConverter();
        schemaless.configure(Map.of("schemas.enable", "false"), false);
        DeltaRecords topic = TopicSchemas.delta("trickle.delta.public.t", List.of("a", "b"), List.of("text", "bigint"),
                List.of());
        Object back = schemaless.toConnectData("t", schemaless.fromConnectData("t", topic.valueSchema(),
                topic.value(new DeltaRecord.Row(1, 1, List.of("x", "2"))))).value();
        assertEquals(List.of("x", "2"), ((DeltaRecord.Row) DeltaRecords.decode(back,
                RowReader.of(List.of("a", "b"), List.of("text", "bigint")))).values());
        assertMessage("written for other columns", () -> DeltaRecords.decode(back,
                RowReader.of(List.of("a", "c"), List.of("text", "bigint"))));
        assertMessage("written for other columns", () -> DeltaRecords.decode(topic.value(new DeltaRecord.Row(1, 1,
                List.of("x", "2"))), RowReader.of(List.of("a"), List.of("text"))));
    }

    @Test
    void schemasAreSharedPerColumnsAndNewWhenColumnsChange() {
        ChangeRecords a = TopicSchemas.change(TOPIC, List.of("id"), List.of("integer"), List.of());
        ChangeRecords b = TopicSchemas.change(TOPIC, List.of("id"), List.of("integer"), List.of());
        ChangeRecords added = TopicSchemas.change(TOPIC, List.of("id", "note"), List.of("integer", "text"), List.of());
        assertSame(a.valueSchema(), b.valueSchema());
        assertNotSame(a.valueSchema(), added.valueSchema());
        assertEquals(List.of("id"), a.keySchema().fields().stream().map(f -> f.name()).toList());
    }

    @Test
    void deltaRecordsRoundTripPositionallyWithAKeyWhenOneIsKnown() {
        DeltaRecords keyed = TopicSchemas.delta("trickle.delta.public.totals", List.of("grp", "total"),
                List.of("text", "bigint"), List.of(0));
        DeltaRecords keyless = TopicSchemas.delta("trickle.delta.public.totals", List.of("grp", "total"),
                List.of("text", "bigint"), List.of());
        List<String> values = Arrays.asList("a", null);
        for (DeltaRecord r : new DeltaRecord[] {new DeltaRecord.Row(9, -3, values), new DeltaRecord.End(9, 5, 1, 4, 2, 123L, true)}) {
            assertEquals(r, DeltaRecords.decode(roundTrip(keyed.valueSchema(), keyed.value(r))));
        }
        assertEquals("a", ((Struct) roundTrip(keyed.keySchema(), keyed.key(values))).getString("grp"));
        assertNull(keyless.keySchema());
        assertNull(keyless.key(values));
    }

    @Test
    void recordsTrickleDidNotWriteAreMalformedWithAReason() {
        assertMessage("not a String", () -> ChangeRecords.decode("{\"k\":\"row\"}"));
        assertMessage("not a HashMap", () -> ChangeRecords.decode(new java.util.HashMap<>(Map.of("k", "row"))));
        assertMessage("not null", () -> DeltaRecords.decode(null));
        DeltaRecords topic = TopicSchemas.delta("trickle.delta.public.t", List.of("a"), List.of("text"), List.of());
        Struct noRow = topic.value(new DeltaRecord.End(1, 1, 0, 1, 1, 0, false)).put("kind", "row");
        noRow.put("weight", 1L);
        assertMessage("without a row", () -> DeltaRecords.decode(noRow));
        Struct odd = topic.value(new DeltaRecord.End(1, 1, 0, 1, 1, 0, false)).put("kind", "what");
        assertMessage("unknown delta record kind", () -> DeltaRecords.decode(odd));
        Struct noWeight = topic.value(new DeltaRecord.Row(1, 1, List.of("x"))).put("weight", null);
        assertMessage("no field \"weight\"", () -> DeltaRecords.decode(noWeight));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        MalformedRecordException e = assertThrows(MalformedRecordException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
