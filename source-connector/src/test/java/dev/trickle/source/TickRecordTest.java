package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The worker hashes every record several times under exactly-once delivery; a TickRecord walks its Structs once. */
class TickRecordTest {
    private static final Schema ROW = SchemaBuilder.struct().name("row")
            .field("id", Schema.INT64_SCHEMA).field("note", Schema.OPTIONAL_STRING_SCHEMA).build();

    /** A row that counts how often its hash is computed. */
    private static final class CountingStruct extends Struct {
        final AtomicInteger hashes = new AtomicInteger();

        CountingStruct(long id, String note) {
            super(ROW);
            put("id", id).put("note", note);
        }

        @Override
        public int hashCode() {
            hashes.incrementAndGet();
            return super.hashCode();
        }
    }

    private static TickRecord record(Struct value, String offset) {
        return new TickRecord(Map.of("db", "d"), Map.of("tick", offset), "changes.public.t", 1, null, null, ROW, value,
                1_000L, new DeliveryTracker.TickDelivery(7, true), false);
    }

    @Test
    void itsHashIsTheRecordsValueHashComputedOnceAndEqualityIsUnchanged() {
        CountingStruct row = new CountingStruct(42, "x");
        TickRecord r = record(row, "7");
        SourceRecord plain = new SourceRecord(Map.of("db", "d"), Map.of("tick", "7"), "changes.public.t", 1, null, null,
                ROW, new Struct(ROW).put("id", 42L).put("note", "x"), 1_000L);

        int first = r.hashCode();
        for (int i = 0; i < 4; i++) {
            assertEquals(first, r.hashCode());
        }
        assertEquals(1, row.hashes.get(), "the row's Struct is walked once, however often the worker asks");
        assertEquals(plain.hashCode(), first, "the value SourceRecord computes from the same fields");

        TickRecord twin = record(new CountingStruct(42, "x"), "7");
        assertEquals(r, twin);
        assertEquals(r.hashCode(), twin.hashCode());
        assertNotEquals(r, record(new CountingStruct(42, "y"), "7"));
        assertNotEquals(r, record(new CountingStruct(42, "x"), "8"));
    }
}
