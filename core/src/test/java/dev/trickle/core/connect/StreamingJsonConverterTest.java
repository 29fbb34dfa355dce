package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * StreamingJsonConverter stands in for JsonConverter in the shipped configuration: every record must come out as
 * the same bytes, every byte string must read as the same value, and what JsonConverter refuses must be refused
 * with its error. The oracle is JsonConverter itself, configured the same way.
 */
class StreamingJsonConverterTest {
    /** PostgreSQL's output of a value of each type, as the source connector reads it (getString). */
    private static final Map<String, String> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("smallint", "-32768");
        VALUES.put("integer", "2147483647");
        VALUES.put("bigint", "-9223372036854775808");
        VALUES.put("boolean", "t");
        VALUES.put("numeric(10,2)", "-12345678.90");
        VALUES.put("numeric", "123456789012345678901234567890.123");
        VALUES.put("text", "tab\there \"quoted\" \\ é ☃ \uD83D\uDE00 \u0001 </script>");
        VALUES.put("character varying(5)", "abc");
        VALUES.put("real", "0.1");
        VALUES.put("double precision", "1e+300");
        VALUES.put("date", "2024-02-29");
        VALUES.put("timestamp without time zone", "2024-01-15 10:30:00.000001");
        VALUES.put("timestamp with time zone", "2024-01-15 10:30:00.25+00");
        VALUES.put("time without time zone", "23:59:59.999999");
        VALUES.put("json", "{\"b\": 1,  \"a\": [1, 2]}");
        VALUES.put("bytea", "\\x00ff10");
        VALUES.put("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        VALUES.put("integer[]", "{1,NULL,3}");
        VALUES.put("interval", "1 year 2 mons 3 days 04:05:06.7");
    }

    private static JsonConverter[] pair(boolean isKey, Map<String, String> settings) {
        JsonConverter kafka = new JsonConverter();
        StreamingJsonConverter streaming = new StreamingJsonConverter();
        kafka.configure(settings, isKey);
        streaming.configure(settings, isKey);
        return new JsonConverter[] {kafka, streaming};
    }

    private static JsonConverter[] schemaless(boolean isKey) {
        return pair(isKey, Map.of("schemas.enable", "false"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"STRING", "PRECISE"})
    void changeAndDeltaRecordsAreWrittenAsJsonConverterWritesThem(String decimals) {
        DecimalHandling mode = DecimalHandling.valueOf(decimals);
        List<String> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Map<String, String> row = new LinkedHashMap<>();
        Map<String, String> nulls = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, String> e : VALUES.entrySet()) {
            String column = "c" + n++ + " " + e.getKey();
            columns.add(column);
            types.add(e.getKey());
            row.put(column, e.getValue());
            nulls.put(column, null);
        }
        ChangeRecords change = TopicSchemas.change("t.changes.public.x", columns, types, List.of(columns.get(2)), mode);
        DeltaRecords delta = TopicSchemas.delta("t.delta.public.x", columns, types, List.of(0, 4), mode);
        JsonConverter[] values = schemaless(false);
        JsonConverter[] keys = schemaless(true);
        for (Map<String, String> r : List.of(row, nulls)) {
            List<String> list = new ArrayList<>(r.values());
            same(values, change.valueSchema(), change.value(new ChangeRecord.Row(7, -1, r, null)));
            same(values, change.valueSchema(), change.value(new ChangeRecord.Row(7, 1, r, 42L)));
            same(keys, change.keySchema(), change.key(r));
            same(values, delta.valueSchema(), delta.value(new DeltaRecord.Row(8, 3, list)));
            same(keys, delta.keySchema(), delta.key(list));
        }
        same(values, change.valueSchema(), change.value(new ChangeRecord.Init(9, 3, null)));
        same(values, change.valueSchema(), change.value(new ChangeRecord.End(9, 1, 2, 1_700_000_000_000L)));
        same(values, delta.valueSchema(), delta.value(new DeltaRecord.End(9, 3, 0, 1, 2, 1_700_000_000_000L, true)));
    }

    @Test
    void randomStructsAreWrittenAndReadAsJsonConverterDoes() {
        Random random = new Random(20261207);
        JsonConverter[] values = schemaless(false);
        for (int i = 0; i < 3000; i++) {
            Schema schema = schema(random, 0);
            Struct struct = struct(random, schema);
            same(values, schema, struct);
        }
    }

    @Test
    void whatJsonConverterRefusesIsRefusedWithItsError() {
        JsonConverter[] values = schemaless(false);
        Schema schema = SchemaBuilder.struct().field("required", Schema.STRING_SCHEMA).build();
        Struct missing = new Struct(schema); // a required field never set
        Schema other = SchemaBuilder.struct().field("required", Schema.OPTIONAL_STRING_SCHEMA).build();
        for (Object[] c : new Object[][] {{schema, missing}, {schema, new Struct(other).put("required", "x")}}) {
            DataException a = assertThrows(DataException.class,
                    () -> values[0].fromConnectData("t", (Schema) c[0], c[1]));
            DataException b = assertThrows(DataException.class,
                    () -> values[1].fromConnectData("t", (Schema) c[0], c[1]));
            assertEquals(a.getMessage(), b.getMessage());
        }
        for (String bad : new String[] {"not json", "{\"a\": 1", "{\"a\": [1, }"}) {
            byte[] data = bad.getBytes(StandardCharsets.UTF_8);
            DataException a = assertThrows(DataException.class, () -> values[0].toConnectData("t", data));
            DataException b = assertThrows(DataException.class, () -> values[1].toConnectData("t", data));
            assertEquals(a.getMessage(), b.getMessage(), bad);
        }
    }

    @Test
    void anythingButPlainObjectsAndOtherSettingsGoThroughJsonConverter() {
        JsonConverter[] values = schemaless(false);
        for (String doc : new String[] {"[1, 2]", "12", "\"text\"", "null", "{\"big\": 92233720368547758080}",
            "{\"a\": 1} {}", "{\"a\": 1} trailing"}) {
            byte[] data = doc.getBytes(StandardCharsets.UTF_8);
            assertEquals(values[0].toConnectData("t", data), values[1].toConnectData("t", data), doc);
        }
        assertEquals(values[0].toConnectData("t", null), values[1].toConnectData("t", null));
        assertArrayEquals(values[0].fromConnectData("t", null, null), values[1].fromConnectData("t", null, null));
        Map<String, Object> map = new HashMap<>(Map.of("a", 1L, "b", List.of("x")));
        assertArrayEquals(values[0].fromConnectData("t", null, map), values[1].fromConnectData("t", null, map));
        // with schemas, and with a default the converter writes in place of a null: JsonConverter's own output
        Schema withDefault = SchemaBuilder.struct()
                .field("d", SchemaBuilder.string().optional().defaultValue("fallback").build()).build();
        same(pair(false, Map.of("schemas.enable", "true")), withDefault, new Struct(withDefault));
        same(values, withDefault, new Struct(withDefault));
        same(pair(false, Map.of("schemas.enable", "false", "replace.null.with.default", "false")), withDefault,
                new Struct(withDefault));
    }

    @Test
    void preciseNumericsAreRefusedWithItWithoutSchemasAsWithJsonConverter() {
        for (String converter : new String[] {JsonConverter.class.getName(), StreamingJsonConverter.class.getName()}) {
            org.apache.kafka.common.config.ConfigException e = assertThrows(
                    org.apache.kafka.common.config.ConfigException.class,
                    () -> DecimalHandling.checkConverter(DecimalHandling.PRECISE, converter, "false"));
            assertTrue(e.getMessage().contains("decimal.handling.mode=string"), e.getMessage());
            DecimalHandling.checkConverter(DecimalHandling.STRING, converter, "false");
            DecimalHandling.checkConverter(DecimalHandling.PRECISE, converter, "true");
        }
    }

    /** Both converters write the same bytes, and read them back as the same value. */
    private static void same(JsonConverter[] c, Schema schema, Object value) {
        byte[] expected = c[0].fromConnectData("t", schema, value);
        byte[] actual = c[1].fromConnectData("t", schema, value);
        assertArrayEquals(expected, actual, () -> new String(expected, StandardCharsets.UTF_8) + " written as "
                + new String(actual, StandardCharsets.UTF_8));
        assertEquals(c[0].toConnectData("t", expected), c[1].toConnectData("t", expected),
                () -> new String(expected, StandardCharsets.UTF_8));
    }

    private static Schema schema(Random r, int depth) {
        SchemaBuilder b = SchemaBuilder.struct();
        int fields = r.nextInt(depth == 0 ? 8 : 4);
        for (int i = 0; i < fields; i++) {
            b.field("f" + i, field(r, depth));
        }
        if (r.nextInt(4) == 0) {
            b.optional();
        }
        return b.build();
    }

    private static Schema field(Random r, int depth) {
        SchemaBuilder b = switch (r.nextInt(depth > 1 ? 10 : 12)) {
            case 0 -> SchemaBuilder.int8();
            case 1 -> SchemaBuilder.int16();
            case 2 -> SchemaBuilder.int32();
            case 3, 4 -> SchemaBuilder.int64();
            case 5 -> SchemaBuilder.bool();
            case 6, 7 -> SchemaBuilder.string();
            case 8 -> r.nextBoolean() ? SchemaBuilder.float64() : SchemaBuilder.float32();
            case 9 -> Decimal.builder(2);
            default -> {
                Schema nested = schema(r, depth + 1);
                SchemaBuilder s = SchemaBuilder.struct();
                nested.fields().forEach(f -> s.field(f.name(), f.schema()));
                yield s;
            }
        };
        if (r.nextBoolean()) {
            b.optional();
        }
        if (r.nextInt(30) == 0 && b.type() == Schema.Type.STRING) {
            b.defaultValue("d");
        }
        return b.build();
    }

    private static final double[] SPECIAL_FLOATS = {0, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, 0.1, 1e300, 5e-324, 1e-5, 123456789012345.0, 3.4028235e38, 1e-45, 0.30000000000000004};

    private static Struct struct(Random r, Schema schema) {
        Struct s = new Struct(schema);
        for (org.apache.kafka.connect.data.Field f : schema.fields()) {
            if (f.schema().isOptional() && r.nextInt(4) == 0) {
                continue;
            }
            s.put(f, value(r, f.schema()));
        }
        return s;
    }

    private static Object value(Random r, Schema schema) {
        if (schema.name() != null && schema.name().equals(Decimal.LOGICAL_NAME)) {
            return BigDecimal.valueOf(r.nextLong() >> r.nextInt(64), 2);
        }
        return switch (schema.type()) {
            case INT8 -> (byte) r.nextInt();
            case INT16 -> (short) r.nextInt();
            case INT32 -> r.nextInt();
            case INT64 -> r.nextLong() >> r.nextInt(64);
            case BOOLEAN -> r.nextBoolean();
            case FLOAT32 -> SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)] == 0 && r.nextBoolean()
                    ? Float.intBitsToFloat(r.nextInt()) : (float) SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)];
            case FLOAT64 -> r.nextBoolean() ? Double.longBitsToDouble(r.nextLong())
                    : SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)];
            case STRING -> text(r);
            case STRUCT -> struct(r, schema);
            default -> throw new IllegalStateException(schema.type().toString());
        };
    }

    private static String text(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
                case 0 -> b.append((char) r.nextInt(0x20)); // control characters
                case 1 -> b.append("\"\\/");
                case 2 -> b.append((char) (0x80 + r.nextInt(0x700)));
                case 3 -> b.appendCodePoint(0x1F600 + r.nextInt(50));
                case 4 -> b.append((char) (0x2028 + r.nextInt(2))); // line and paragraph separators
                default -> b.append((char) ('a' + r.nextInt(26)));
            }
        }
        return b.toString();
    }
}
