package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.DeltaRecord;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sink's public apply path without Connect: ticks applied through it leave the stream table equal to its query. */
class TickApplierTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("tick_applier");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void appliesAFillThenADeltaAndRefusesATickTwice() throws Exception {
        h.exec("CREATE TABLE items (id int PRIMARY KEY, price numeric(10,2))", "INSERT INTO items VALUES (1, 2.50), (2, 4.00)");
        String q = "SELECT id, price FROM items WHERE price > 1";
        long id = h.createStreamTable("pricey_items", q);
        try (TickApplier applier = new TickApplier(h.connect())) {
            TickApplier.Applied fill = applier.apply(id, 1, true, List.of(
                    new DeltaRecord.Row(1, 1, List.of("1", "2.50")), new DeltaRecord.Row(1, 1, List.of("2", "4.00"))));
            assertEquals(2, fill.inserted());
            h.assertContent("pricey_items", q);

            h.exec("UPDATE items SET price = 3.00 WHERE id = 1");
            TickApplier.Applied delta = applier.apply(id, 2, false, List.of(
                    new DeltaRecord.Row(2, -1, List.of("1", "2.50")), new DeltaRecord.Row(2, 1, List.of("1", "3.00"))));
            assertEquals(1, delta.inserted());
            assertEquals(1, delta.deleted());
            h.assertContent("pricey_items", q);

            IllegalStateException again = assertThrows(IllegalStateException.class, () -> applier.apply(id, 2, false,
                    List.of(new DeltaRecord.Row(2, 1, List.of("9", "9.00")))));
            assertTrue(again.getMessage().contains("tick 2 of stream table " + id + " was not applied"), again.getMessage());
            h.assertContent("pricey_items", q);
        }
        assertEquals("2", h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id));
    }
}
