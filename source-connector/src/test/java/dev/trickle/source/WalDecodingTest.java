package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** The pure parts of WAL capture: widening the WAL's 32-bit xids, and turning Debezium's values back into text. */
class WalDecodingTest {
    private static final long EPOCH = 1L << 32;

    @Test
    void aDecodedXidIsTheLatestWithItsLowBitsBeforeTheNextXid() {
        assertEquals(3 * EPOCH + 100, WalApplier.fullXid(3 * EPOCH + 500, 100));
        assertEquals(3 * EPOCH - 10, WalApplier.fullXid(3 * EPOCH + 5, EPOCH - 10));
        assertEquals(499, WalApplier.fullXid(500, 499));
    }

    @Test
    void anXidNotBeforeTheNextOneAsksForAFreshNextXid() {
        assertEquals(-1, WalApplier.fullXid(500, 500), "equal to the next xid: not committed yet by that count");
        assertEquals(-1, WalApplier.fullXid(500, 501), "after the cached next xid");
        assertEquals(-1, WalApplier.fullXid(10, EPOCH - 5), "before the first epoch");
    }

    private static Schema named(String name, Schema.Type type) {
        return new SchemaBuilder(type).name(name).optional().build();
    }

    @Test
    void temporalValuesBecomePostgresText() {
        assertEquals("2000-01-01", WalValues.text("c", "date", named("io.debezium.time.Date", Schema.Type.INT32), 10957));
        assertEquals("0044-03-15 BC", WalValues.text("c", "date", named("io.debezium.time.Date", Schema.Type.INT32),
                (int) java.time.LocalDate.of(-43, 3, 15).toEpochDay()));
        assertEquals("1999-12-31 23:59:59.5", WalValues.text("c", "timestamp",
                named("io.debezium.time.MicroTimestamp", Schema.Type.INT64), 946_684_799_500_000L));
        assertEquals("1999-12-31 23:59:59.5", WalValues.text("c", "timestamp",
                named("io.debezium.time.Timestamp", Schema.Type.INT64), 946_684_799_500L));
        assertEquals("13:45:01.123456", WalValues.text("c", "time", named("io.debezium.time.MicroTime", Schema.Type.INT64),
                (13 * 3600 + 45 * 60 + 1) * 1_000_000L + 123_456));
        assertEquals("2024-02-29T08:15:01.123456Z", WalValues.text("c", "timestamptz",
                named("io.debezium.time.ZonedTimestamp", Schema.Type.STRING), "2024-02-29T08:15:01.123456Z"));
        IllegalArgumentException timetz = assertThrows(IllegalArgumentException.class, () -> WalValues.text("t.c",
                "timetz", named("io.debezium.time.ZonedTime", Schema.Type.STRING), "08:15:01Z"));
        assertTrue(timetz.getMessage().contains("t.c") && timetz.getMessage().contains("cdc_mode => 'trigger'"),
                timetz.getMessage());
    }

    @Test
    void numbersBinaryArraysAndMapsBecomePostgresText() {
        assertEquals("1.5000", WalValues.text("c", "numeric", Schema.OPTIONAL_STRING_SCHEMA, "1.5000"));
        assertEquals("1.50", WalValues.text("c", "numeric", Decimal.builder(2).optional().build(), new BigDecimal("1.50")));
        assertEquals("NaN", WalValues.text("c", "float8", Schema.OPTIONAL_FLOAT64_SCHEMA, Double.NaN));
        assertEquals(1e-300, Double.parseDouble(WalValues.text("c", "float8", Schema.OPTIONAL_FLOAT64_SCHEMA, 1e-300)));
        assertEquals("\\x00ff", WalValues.text("c", "bytea", Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {0, (byte) 255}));
        assertEquals("10.0.0.1/8", WalValues.text("c", "myinet", Schema.OPTIONAL_BYTES_SCHEMA,
                "10.0.0.1/8".getBytes(StandardCharsets.UTF_8)), "a type Debezium does not know: its own text");
        assertEquals("1", WalValues.text("c", "bit", Schema.OPTIONAL_BOOLEAN_SCHEMA, true));
        assertEquals("t", WalValues.text("c", "bool", Schema.OPTIONAL_BOOLEAN_SCHEMA, true).substring(0, 1));
        Schema texts = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        assertEquals("{\"a\",\"b c\",NULL,\"q\\\"\\\\\"}", WalValues.text("c", "_text", texts,
                Arrays.asList("a", "b c", null, "q\"\\")));
        Schema hstore = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        assertEquals("\"k\"=>\"v\"", WalValues.text("c", "hstore", hstore, Map.of("k", "v")));
        Schema bits = new SchemaBuilder(Schema.Type.BYTES).name("io.debezium.data.Bits").parameter("length", "4").build();
        assertEquals("0101", WalValues.text("c", "bit", bits, new byte[] {5}));
        assertNull(WalValues.text("c", "text", Schema.OPTIONAL_STRING_SCHEMA, null));
    }

    @Test
    void debeziumsPlaceholderForAnUnchangedToastValueIsRecognised() {
        assertTrue(WalValues.unchanged(WalValues.PLACEHOLDER));
        assertTrue(WalValues.unchanged(WalValues.PLACEHOLDER.getBytes(StandardCharsets.UTF_8)));
        assertTrue(WalValues.unchanged(List.of(WalValues.PLACEHOLDER)));
        assertTrue(WalValues.unchanged(Map.of(WalValues.PLACEHOLDER, WalValues.PLACEHOLDER)));
        assertFalse(WalValues.unchanged("x"));
        assertFalse(WalValues.unchanged(null));
    }

    /** Only a decoding failure on the dropped publication makes the slot anew (and refills), wrapped as Debezium does. */
    @Test
    void aSlotIsMadeAnewOnlyWhenItsPublicationWasGoneAsOfAChange() {
        java.sql.SQLException gone = new java.sql.SQLException("ERROR: publication \"pgtrickle_wal\" does not exist\n"
                + "  Where: slot \"pgtrickle_wal_16384\", output plugin \"pgoutput\", in the change callback", "42704");
        assertTrue(WalCapture.publicationGone(new IllegalStateException("engine failed",
                new RuntimeException("producer failure", gone))));
        assertFalse(WalCapture.publicationGone(new java.sql.SQLException("ERROR: relation \"x\" does not exist", "42P01")));
        assertFalse(WalCapture.publicationGone(new java.sql.SQLException("ERROR: publication \"other\" does not exist",
                "42704")));
        assertFalse(WalCapture.publicationGone(new IllegalStateException("no cause")));
    }
}
