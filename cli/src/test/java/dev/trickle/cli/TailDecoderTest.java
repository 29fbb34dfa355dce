package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.connect.ColumnKind;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/** The delta records {@code trickle tail} reads, written as the pipeline writes them, with and without schemas. */
class TailDecoderTest {
    private static final String TOPIC = "trickle.delta.public.totals";
    private static final List<String> COLUMNS = List.of("grp", "total", "day", "note");
    private static final List<String> TYPES = List.of("integer", "numeric(10,2)", "date", "text");

    @Test
    void readsRowsAndEndMarkersWithSchemas() {
        JsonConverter writer = json(true);
        DeltaRecords schemas = TopicSchemas.delta(TOPIC, COLUMNS, TYPES, List.of(0));
        DeltaRecord row = new DeltaRecord.Row(42, -3, Arrays.asList("7", "12.50", "2024-01-15", null));
        DeltaRecord end = new DeltaRecord.End(42, 9, 0, 1, 2, 1_700_000_000_000L, true);
        TailDecoder decoder = new TailDecoder(json(true), COLUMNS, TYPES);
        assertEquals(row, decoder.decode(TOPIC, writer.fromConnectData(TOPIC, schemas.valueSchema(), schemas.value(row))));
        assertEquals(end, decoder.decode(TOPIC, writer.fromConnectData(TOPIC, schemas.valueSchema(), schemas.value(end))));
    }

    @Test
    void readsSchemalessRecordsByTheCatalogsColumns() {
        // what JsonConverter with schemas.enable=false writes: no schema, fields by name, numerics as strings
        String row = "{\"kind\":\"row\",\"tick\":42,\"weight\":1,\"row\":{\"note\":\"a b\",\"day\":19737,\"total\":\"12.50\",\"grp\":7}}";
        String end = "{\"kind\":\"end\",\"tick\":42,\"stream_table\":9,\"producer\":0,\"producers\":1,\"partitions\":2,"
                + "\"tick_ms\":1700000000000,\"initial\":false}";
        TailDecoder decoder = new TailDecoder(json(false), COLUMNS, TYPES);
        assertEquals(new DeltaRecord.Row(42, 1, List.of("7", "12.50", "2024-01-15", "a b")), decoder.decode(TOPIC, bytes(row)));
        assertEquals(new DeltaRecord.End(42, 9, 0, 1, 2, 1_700_000_000_000L, false), decoder.decode(TOPIC, bytes(end)));
    }

    @Test
    void schemalessValuesReadAsPostgresText() {
        List<String> columns = List.of("at", "ok", "day");
        TailDecoder decoder = new TailDecoder(json(false), columns, List.of("timestamp with time zone", "boolean", "date"));
        String row = "{\"kind\":\"row\",\"tick\":3,\"weight\":2,\"row\":{\"at\":\"2024-01-15T10:30:00Z\",\"ok\":true,"
                + "\"day\":19737}}";
        assertEquals(new DeltaRecord.Row(3, 2, List.of(ColumnKind.TIMESTAMPTZ.toText("2024-01-15T10:30:00Z"), "t",
                "2024-01-15")), decoder.decode(TOPIC, bytes(row)));
        // a value in another form than the column's type is the wrong converter or another writer: said, not guessed
        String wrong = row.replace("19737", "\"2024-01-15\"");
        MalformedRecordException e = assertThrows(MalformedRecordException.class, () -> decoder.decode(TOPIC, bytes(wrong)));
        assertTrue(e.getMessage().contains("\"day\""), e.getMessage());
    }

    @Test
    void aRecordThatIsNoDeltaRecordSaysWhatIsWrong() {
        TailDecoder withSchemas = new TailDecoder(json(true), COLUMNS, TYPES);
        MalformedRecordException e = assertThrows(MalformedRecordException.class,
                () -> withSchemas.decode(TOPIC, bytes("{\"kind\":\"row\",\"tick\":1}")));
        assertTrue(e.getMessage().contains("cannot read the record") && e.getMessage().contains("converter"), e.getMessage());
        TailDecoder schemaless = new TailDecoder(json(false), COLUMNS, TYPES);
        e = assertThrows(MalformedRecordException.class, () -> schemaless.decode(TOPIC, bytes("{\"kind\":\"row\",\"tick\":1}")));
        assertTrue(e.getMessage().contains("no field \"weight\""), e.getMessage());
    }

    private static JsonConverter json(boolean schemas) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", String.valueOf(schemas), "decimal.format", "NUMERIC"), false);
        return c;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
