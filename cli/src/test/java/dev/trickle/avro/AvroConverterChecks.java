package dev.trickle.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apicurio.registry.utils.converter.AvroConverter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records shaped like the delta and change topics' envelopes (docs/record-format.md) go through Apicurio's
 * AvroConverter with the settings config/avro/ ships (Confluent framing, contentId, no headers) against a
 * registry, and come back as the same Connect values with the same schema names and parameters, which the
 * readers need to turn them back into PostgreSQL values. The registry is only seen through its v2 REST API
 * ({@link RegistryClient}), so the same checks run against the in-test stand-in and a real Apicurio Registry.
 */
abstract class AvroConverterChecks {
    /** A topic per test method: a registry kept across methods (a container) starts each one from no artifact. */
    private String topic;
    RegistryClient registry;

    /** The registry's v2 API URL ({@code apicurio.registry.url}). */
    abstract String registryUrl();

    @BeforeEach
    void names(org.junit.jupiter.api.TestInfo info) {
        topic = "trickle.delta.public." + info.getTestMethod().orElseThrow().getName().toLowerCase(java.util.Locale.ROOT)
                + "_" + Long.toHexString(System.nanoTime());
        registry = new RegistryClient(registryUrl());
    }

    @Test
    void envelopesRoundTripWithTheirTypesAndConfluentFraming() throws Exception {
        Schema schema = AvroEnvelopes.deltaEnvelope(false);
        Struct row = AvroEnvelopes.row(schema, new BigDecimal("1234.50"), new BigDecimal("-0.000123"),
                1_700_000_000_123_456L, 19_700, "2023-11-14T22:13:20.123456Z", "a\u00e9\"'\\", null);
        Struct record = AvroEnvelopes.rowRecord(schema, 42, -1, row);
        Struct allNull = AvroEnvelopes.rowRecord(schema, 43, 1,
                AvroEnvelopes.row(schema, null, null, null, null, null, null, null));
        Struct marker = new Struct(schema).put("kind", "end").put("tick", 42L).put("producer", 0).put("producers", 2)
                .put("partitions", 1).put("tick_ms", 1_700_000_000_000L).put("initial", false);

        AvroConverter<?> writer = converter(false);
        AvroConverter<?> reader = converter(false);
        for (Struct s : List.of(record, allNull, marker)) {
            byte[] bytes = writer.fromConnectData(topic, schema, s);
            assertEquals(0, bytes[0], "Confluent magic byte");
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            assertTrue(registry.content(id).contains("\"Envelope\""), "the 4-byte id is the schema's contentId");
            SchemaAndValue back = reader.toConnectData(topic, bytes);
            assertSameStruct(s, (Struct) back.value());
        }
        assertEquals(1, registry.versionCount(topic + "-value"), "one schema, registered once");
        assertNull(writer.fromConnectData(topic, null, null), "a null key stays null (markers, keyless deltas)");
    }

    @Test
    void keysAreRegisteredUnderTheKeySubject() {
        Schema key = SchemaBuilder.struct().name("trickle.delta.public.totals.Key")
                .field("region", AvroEnvelopes.optional(Schema.OPTIONAL_STRING_SCHEMA, "text")).build();
        AvroConverter<?> writer = converter(true);
        byte[] bytes = writer.fromConnectData(topic, key, new Struct(key).put("region", "north"));
        assertEquals(0, bytes[0]);
        Struct back = (Struct) converter(true).toConnectData(topic, bytes).value();
        assertEquals("north", back.getString("region"));
        assertEquals(1, registry.versionCount(topic + "-key"));
    }

    /** What a Confluent deserializer does with these bytes: the schema by the id after the magic byte, then Avro. */
    @Test
    void bytesDecodeWithPlainAvroGivenTheSchemaById() throws Exception {
        Schema schema = AvroEnvelopes.deltaEnvelope(false);
        Struct record = AvroEnvelopes.rowRecord(schema, 7, 1, AvroEnvelopes.row(schema, new BigDecimal("10.25"),
                new BigDecimal("3.5"), 0L, 0, "1970-01-01T00:00:00Z", "x", null));
        byte[] bytes = converter(false).fromConnectData(topic, schema, record);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse(registry.content(id));
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(avro)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        org.apache.avro.Schema amount = avro.getField("row").schema().getTypes().get(1).getField("amount").schema();
        assertEquals(org.apache.avro.Schema.Type.NULL, amount.getTypes().get(0).getType(), "a row field is a union with null");
        assertEquals("decimal", amount.getTypes().get(1).getLogicalType().getName());
        assertTrue(registry.content(id).contains("\"connect.parameters\"") && registry.content(id).contains("trickle.pg.type"),
                "the Connect parameters are in the Avro schema");
        assertEquals("row", decoded.get("kind").toString());
        assertEquals(7L, decoded.get("tick"));
        GenericRecord decodedRow = (GenericRecord) decoded.get("row");
        assertEquals("x", decodedRow.get("label").toString());
        assertArrayEquals(new BigDecimal("10.25").unscaledValue().toByteArray(),
                ((ByteBuffer) decodedRow.get("amount")).array(), "numeric(12,2) is Avro's decimal, scale 2");
    }

    /** A column added to the table: its row gets an optional field, a new version; old records still decode. */
    @Test
    void anAddedOptionalColumnRegistersANewVersionAndOldRecordsStillDecode() {
        Schema v1 = AvroEnvelopes.deltaEnvelope(false);
        Schema v2 = AvroEnvelopes.deltaEnvelope(true);
        AvroConverter<?> writer = converter(false);
        byte[] old = writer.fromConnectData(topic, v1, AvroEnvelopes.rowRecord(v1, 1, 1,
                AvroEnvelopes.row(v1, BigDecimal.ONE.setScale(2), null, null, null, null, "old", null)));
        byte[] next = writer.fromConnectData(topic, v2, AvroEnvelopes.rowRecord(v2, 2, 1,
                AvroEnvelopes.row(v2, BigDecimal.TEN.setScale(2), null, null, null, null, "new", 5L)));
        assertEquals(2, registry.versionCount(topic + "-value"));
        assertTrue(ByteBuffer.wrap(old, 1, 4).getInt() != ByteBuffer.wrap(next, 1, 4).getInt());

        AvroConverter<?> reader = converter(false);
        Struct oldBack = (Struct) reader.toConnectData(topic, old).value();
        Struct nextBack = (Struct) reader.toConnectData(topic, next).value();
        assertEquals("old", oldBack.getStruct("row").getString("label"));
        assertEquals(6, oldBack.getStruct("row").schema().fields().size(), "an old record keeps its own schema");
        assertEquals(5L, nextBack.getStruct("row").getInt64("added_col"));
        assertEquals(new BigDecimal("10.00"), nextBack.getStruct("row").get("amount"));
    }

    AvroConverter<?> converter(boolean isKey) {
        Map<String, Object> cfg = new HashMap<>(RegistryClient.shippedConverterConfig(registryUrl()));
        AvroConverter<?> c = new AvroConverter<>();
        c.configure(cfg, isKey);
        return c;
    }

    /** Same values, field schemas of the same type, logical name and parameters (trickle.pg.type included). */
    static void assertSameStruct(Struct expected, Struct actual) {
        assertEquals(expected.schema().name(), actual.schema().name());
        assertEquals(expected.schema().fields().size(), actual.schema().fields().size());
        for (Field f : expected.schema().fields()) {
            Field g = actual.schema().fields().get(f.index());
            assertEquals(f.name(), g.name());
            assertEquals(f.schema().type(), g.schema().type(), f.name());
            assertEquals(f.schema().name(), g.schema().name(), f.name());
            assertEquals(f.schema().parameters(), g.schema().parameters(), f.name());
            Object v = expected.get(f);
            Object w = actual.get(g);
            if (v instanceof Struct s) {
                assertSameStruct(s, (Struct) w);
            } else if (v instanceof byte[] b) {
                assertArrayEquals(b, w instanceof ByteBuffer buf ? buf.array() : (byte[]) w, f.name());
            } else {
                assertEquals(v, w, f.name());
            }
        }
        if (expected.schema().name() != null && expected.schema().name().endsWith(".Value")) {
            assertEquals(Decimal.LOGICAL_NAME, actual.schema().field("amount").schema().name());
        }
    }
}
