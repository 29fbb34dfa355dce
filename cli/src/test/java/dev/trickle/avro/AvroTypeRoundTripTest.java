package dev.trickle.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowSchema;
import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import io.apicurio.registry.utils.converter.AvroConverter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every mapped PostgreSQL type, as the writers build it (dev.trickle.core.connect), through Avro and back reads as
 * the same PostgreSQL text as without Avro: the Avro variant keeps equality with recomputation. Column names
 * that Avro refuses as they are (spaces, a leading digit, duplicates after adjusting) are in it too.
 */
class AvroTypeRoundTripTest {
    /** PostgreSQL's output text per type (the writers read columns as text). */
    private static final Map<String, List<String>> VALUES = new LinkedHashMap<>();
    private static RegistryStandIn registry;

    static {
        VALUES.put("smallint", List.of("0", "-32768", "32767"));
        VALUES.put("integer", List.of("-2147483648", "2147483647"));
        VALUES.put("bigint", List.of("-9223372036854775808", "9223372036854775807"));
        VALUES.put("oid", List.of("4294967295"));
        VALUES.put("real", List.of("0.1", "-0", "NaN", "Infinity", "-Infinity", "3.4028235e+38", "1e-45"));
        VALUES.put("double precision", List.of("0.1", "-0", "NaN", "-Infinity", "5e-324", "0.30000000000000004"));
        VALUES.put("boolean", List.of("true", "false"));
        VALUES.put("numeric(10,2)", List.of("0.00", "-12345678.90", "0.01"));
        VALUES.put("numeric(5,0)", List.of("-99999"));
        VALUES.put("numeric(3,5)", List.of("0.00123"));
        VALUES.put("numeric(2,-3)", List.of("12000", "-99000"));
        VALUES.put("numeric", List.of("0", "1.50", "-0.000000000000000000001", "123456789012345678901234567890.123"));
        VALUES.put("text", List.of("", "tab\there \"quoted\" é ☃"));
        VALUES.put("character(4)", List.of("ab  "));
        VALUES.put("date", List.of("2024-02-29", "0044-03-15 BC", "infinity", "-infinity"));
        VALUES.put("timestamp without time zone", List.of("2024-01-15 10:30:00.000001", "0044-03-15 12:00:00 BC",
                "infinity", "-infinity"));
        VALUES.put("timestamp with time zone", List.of("2024-01-15 10:30:00+00", "2024-01-15 18:30:00.25+00", "infinity"));
        VALUES.put("time without time zone", List.of("00:00:00", "23:59:59.999999", "24:00:00"));
        VALUES.put("time with time zone", List.of("10:30:00+05:30", "12:00:00+05:30:15"));
        VALUES.put("jsonb", List.of("{\"a\": [1, 2.50], \"b\": null}"));
        VALUES.put("uuid", List.of("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        VALUES.put("bytea", List.of("\\x", "\\x00ff10"));
        VALUES.put("interval", List.of("1 year 2 mons 3 days 04:05:06.7"));
        VALUES.put("integer[]", List.of("{1,NULL,3}"));
        VALUES.put("money", List.of("$1,234.50"));
    }

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryStandIn.start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void everyTypeReadsBackAsTheSameTextThroughAvro() {
        List<String> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, List<String>> e : VALUES.entrySet()) {
            for (String text : e.getValue()) {
                columns.add(n++ + " " + e.getKey());
                types.add(e.getKey());
                texts.add(text);
            }
        }
        columns.add("a-b");
        types.add("numeric(10,2)");
        texts.add(null);
        columns.add("a b");
        types.add("numeric");
        texts.add(null);

        String topic = "trickle.delta.public.types";
        DeltaRecords delta = TopicSchemas.delta(topic, columns, types, List.of(0, 2));
        DeltaRecord.Row row = new DeltaRecord.Row(3, -2, texts);
        DeltaRecord.Row direct = (DeltaRecord.Row) DeltaRecords.decode(delta.value(row));
        byte[] value = converter(false).fromConnectData(topic, delta.valueSchema(), delta.value(row));
        DeltaRecord.Row viaAvro = (DeltaRecord.Row) DeltaRecords.decode(converter(false).toConnectData(topic, value).value());
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(direct.values().get(i), viaAvro.values().get(i), "column " + columns.get(i));
        }
        assertEquals(direct, viaAvro);
        // as the streams app and the sink read it: by the catalog's column types, not the record's schema
        assertEquals(direct, DeltaRecords.decode(converter(false).toConnectData(topic, value).value(),
                RowReader.of(columns, types)));
        DeltaRecords strings = TopicSchemas.delta(topic + "_s", columns, types, List.of(0, 2), DecimalHandling.STRING);
        byte[] stringValue = converter(false).fromConnectData(topic + "_s", strings.valueSchema(), strings.value(row));
        assertEquals(direct, DeltaRecords.decode(converter(false).toConnectData(topic + "_s", stringValue).value(),
                RowReader.of(columns, types)), "decimal.handling.mode=string through Avro");
        byte[] key = converter(true).fromConnectData(topic, delta.keySchema(), delta.key(texts));
        assertEquals(RowSchema.texts(delta.key(texts)),
                RowSchema.texts((Struct) converter(true).toConnectData(topic, key).value()), "the key's columns");

        DeltaRecord.End end = new DeltaRecord.End(3, 7, 0, 1, 1, 1_700_000_000_000L, true);
        byte[] marker = converter(false).fromConnectData(topic, delta.valueSchema(), delta.value(end));
        assertEquals(end, DeltaRecords.decode(converter(false).toConnectData(topic, marker).value()));
    }

    @Test
    void changeRecordsRoundTripThroughAvro() {
        String topic = "trickle.changes.public.orders";
        ChangeRecords change = TopicSchemas.change(topic, List.of("id", "amount", "placed", "1st note"),
                List.of("integer", "numeric(12,2)", "timestamp without time zone", "text"), List.of("id"));
        Map<String, String> values = new HashMap<>();
        values.put("id", "7");
        values.put("amount", "12.50");
        values.put("placed", "2024-01-15 10:30:00.5");
        values.put("1st note", null);
        for (ChangeRecord r : List.of(new ChangeRecord.Row(5, -1, values, null), new ChangeRecord.Row(5, 1, values, 9L),
                new ChangeRecord.Init(5, 9, 4L), new ChangeRecord.End(5, 1, 2, 1_700_000_000_000L))) {
            byte[] bytes = converter(false).fromConnectData(topic, change.valueSchema(), change.value(r));
            assertEquals(ChangeRecords.decode(change.value(r)),
                    ChangeRecords.decode(converter(false).toConnectData(topic, bytes).value()), r.toString());
            assertEquals(ChangeRecords.decode(change.value(r)), ChangeRecords.decode(converter(false)
                    .toConnectData(topic, bytes).value(), RowReader.of(List.of("id", "amount", "placed", "1st note"),
                    List.of("integer", "numeric(12,2)", "timestamp without time zone", "text"))), r.toString());
        }
    }

    private static AvroConverter<?> converter(boolean isKey) {
        AvroConverter<?> c = new AvroConverter<>();
        c.configure(new HashMap<>(RegistryClient.shippedConverterConfig(registry.url())), isKey);
        return c;
    }
}
