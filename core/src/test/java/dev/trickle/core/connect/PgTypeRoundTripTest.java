package dev.trickle.core.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every mapped type: PostgreSQL's own text output → Connect value → JSON with schemas → Connect value →
 * text is the identity, and PostgreSQL reads the text back as the same value.
 */
class PgTypeRoundTripTest {
    private static final Map<String, List<String>> VALUES = new java.util.LinkedHashMap<>();
    private static String url;
    /**
     * JsonConverter writes a float NaN or infinity as a JSON string and reads that string back as 0, and reads
     * numbers through BigDecimal, which has no -0 (docs/record-format.md says so).
     */
    private static final List<String> JSON_LOSES = List.of("NaN", "Infinity", "-Infinity", "-0");

    static {
        VALUES.put("smallint", List.of("0", "-32768", "32767"));
        VALUES.put("integer", List.of("-2147483648", "2147483647", "42"));
        VALUES.put("bigint", List.of("-9223372036854775808", "9223372036854775807"));
        VALUES.put("oid", List.of("4294967295", "0"));
        VALUES.put("real", List.of("0.1", "-0", "NaN", "Infinity", "-Infinity", "1e+20", "3.4028235e+38", "1e-45", "123456"));
        VALUES.put("double precision", List.of("0.1", "-0", "NaN", "-Infinity", "1e+300", "5e-324",
                "0.30000000000000004", "123456789012345", "1.2345678901234568e+15", "0.0001", "1e-05"));
        VALUES.put("boolean", List.of("true", "false"));
        VALUES.put("numeric(10,2)", List.of("0", "-12345678.90", "1.5", "0.01"));
        VALUES.put("numeric(5,0)", List.of("-99999", "0"));
        VALUES.put("numeric(3,5)", List.of("0.00123"));
        VALUES.put("numeric(2,-3)", List.of("12000", "-99000"));
        VALUES.put("numeric", List.of("0", "1.50", "-0.000000000000000000001", "123456789012345678901234567890.123",
                "1e-30", "100"));
        VALUES.put("text", List.of("", "tab\there \"quoted\" é ☃", "\\x00"));
        VALUES.put("character varying(5)", List.of("abc"));
        VALUES.put("character(4)", List.of("ab"));
        VALUES.put("name", List.of("a_name"));
        VALUES.put("date", List.of("2024-02-29", "0001-01-01 BC", "0044-03-15 BC", "4713-11-24 BC", "5874897-12-31",
                "infinity", "-infinity", "1970-01-01", "1969-12-31"));
        VALUES.put("timestamp without time zone", List.of("2024-01-15 10:30:00", "2024-01-15 10:30:00.000001",
                "1969-12-31 23:59:59.5", "0044-03-15 12:00:00 BC", "294246-12-31 23:59:59.999999", "infinity",
                "-infinity", "4713-11-24 00:00:00 BC"));
        VALUES.put("timestamp(3) without time zone", List.of("2024-01-15 10:30:00.123"));
        VALUES.put("timestamp with time zone", List.of("2024-01-15 10:30:00+00", "2024-01-15 10:30:00.25-08",
                "0044-03-15 12:00:00+00 BC", "infinity", "-infinity", "12345-06-07 00:00:00+00"));
        VALUES.put("time without time zone", List.of("00:00:00", "23:59:59.999999", "24:00:00", "12:00:00.5"));
        VALUES.put("time with time zone", List.of("10:30:00+05:30", "10:30:00.25-08", "00:00:00+00", "12:00:00+05:30:15"));
        VALUES.put("json", List.of("{\"b\": 1,  \"a\": [1, 2]}", "null"));
        VALUES.put("jsonb", List.of("{\"a\": [1, 2.50], \"b\": null}"));
        VALUES.put("uuid", List.of("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        VALUES.put("bytea", List.of("\\x", "\\x00ff10", "hello"));
        VALUES.put("interval", List.of("1 year 2 mons 3 days 04:05:06.7", "-00:00:01"));
        VALUES.put("integer[]", List.of("{1,NULL,3}"));
        VALUES.put("inet", List.of("192.168.0.1/24"));
        VALUES.put("money", List.of("$1,234.50"));
        VALUES.put("int4range", List.of("[1,5)"));
    }

    @BeforeAll
    static void database() throws Exception {
        url = EmbeddedPg.freshDatabase("connect_types");
    }

    @ParameterizedTest
    @ValueSource(strings = {"BASE64", "NUMERIC"})
    void everyTypeRoundTripsThroughJsonWithSchemas(String decimalFormat) throws Exception {
        List<String> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            int n = 0;
            for (Map.Entry<String, List<String>> e : VALUES.entrySet()) {
                for (String literal : e.getValue()) {
                    // read as the source connector reads a column: getString of the typed value
                    try (PreparedStatement ps = c.prepareStatement("SELECT ?::" + e.getKey())) {
                        ps.setString(1, literal);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            texts.add(rs.getString(1));
                        }
                    }
                    columns.add("c" + n++ + " " + e.getKey());
                    types.add(e.getKey());
                }
            }
            columns.add("all nulls");
            types.add("numeric(10,2)");
            texts.add(null);
            JsonConverter json = new JsonConverter();
            json.configure(Map.of("schemas.enable", "true", "decimal.format", decimalFormat), false);
            DeltaRecords topic = TopicSchemas.delta("trickle.delta.public.types", columns, types, List.of());
            byte[] wire = json.fromConnectData("t", topic.valueSchema(), topic.value(new DeltaRecord.Row(1, 1, texts)));
            SchemaAndValue back = json.toConnectData("t", wire);
            DeltaRecord.Row row = (DeltaRecord.Row) DeltaRecords.decode(back.value());
            DeltaRecord.Row direct = (DeltaRecord.Row) DeltaRecords.decode(topic.value(new DeltaRecord.Row(1, 1, texts)));
            for (int i = 0; i < texts.size(); i++) {
                boolean floating = types.get(i).matches("real|double precision");
                if (floating) {
                    // JDBC may read a float in binary and print it Java's way (1.0E20): the value is what must not change
                    assertEquals(bits(types.get(i), texts.get(i)), bits(types.get(i), direct.values().get(i)),
                            "column " + columns.get(i));
                } else {
                    assertEquals(texts.get(i), direct.values().get(i), "column " + columns.get(i) + " (Struct and back)");
                }
                if (!floating) {
                    assertEquals(texts.get(i), row.values().get(i), "column " + columns.get(i));
                } else if (!JSON_LOSES.contains(direct.values().get(i))) {
                    assertEquals(direct.values().get(i), row.values().get(i), "column " + columns.get(i));
                }
                if (texts.get(i) != null && !types.get(i).equals("json")) { // json has no equality operator
                    try (PreparedStatement ps = c.prepareStatement("SELECT ?::" + types.get(i) + " IS NOT DISTINCT FROM ?::"
                            + types.get(i))) {
                        ps.setString(1, texts.get(i));
                        ps.setString(2, direct.values().get(i));
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertTrue(rs.getBoolean(1), "PostgreSQL reads back " + columns.get(i));
                        }
                    }
                }
            }
        }
    }

    private static long bits(String type, String text) {
        double d = PgFloatText.parseDouble(text);
        return type.equals("real") ? Float.floatToIntBits((float) d) : Double.doubleToLongBits(d);
    }

    @Test
    void fieldSchemasFollowDebezium() {
        assertEquals("io.debezium.time.MicroTimestamp", ColumnKind.TIMESTAMP.schema("timestamp(3) without time zone").name());
        assertEquals("org.apache.kafka.connect.data.Decimal", ColumnKind.of("numeric(10,2)").schema("numeric(10,2)").name());
        assertEquals("10", ColumnKind.DECIMAL.schema("numeric(10,2)").parameters().get("connect.decimal.precision"));
        assertEquals("numeric(10,2)", ColumnKind.DECIMAL.schema("numeric(10,2)").parameters().get(ColumnKind.PG_TYPE));
        assertEquals(ColumnKind.VARIABLE_DECIMAL, ColumnKind.of("numeric"));
        assertEquals(ColumnKind.TIMESTAMPTZ, ColumnKind.of("timestamp(6) with time zone"));
        assertEquals(ColumnKind.STRING, ColumnKind.of("integer[]"));
        assertEquals(ColumnKind.STRING, ColumnKind.of("interval"));
        assertEquals(Arrays.asList("_1st", "a_b", "a_b_2", "ok"), ConnectNames.fields(List.of("1st", "a b", "a-b", "ok")));
        assertEquals("trickle.delta.public.odd_name_1a2b3c4d._2x.Envelope",
                ConnectNames.fullName("trickle.delta.public.odd_name-1a2b3c4d.2x", "Envelope"));
    }
}
