package dev.trickle.source;

import static dev.trickle.source.FullChecks.assertEnds;
import static dev.trickle.source.FullChecks.assertIdle;
import static dev.trickle.source.FullChecks.assertNothingOn;
import static dev.trickle.source.FullChecks.delta;
import static dev.trickle.source.FullChecks.makeFull;
import static dev.trickle.source.FullChecks.query;
import static dev.trickle.source.FullChecks.rows;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FULL refreshes that fail, and ticks that never reached Kafka. */
class FullRefreshFailureTest {
    private static final String RATIOS = delta("public", "ratios");
    private static final String NOTES = delta("public", "notes");
    private static final String COUNTED = delta("public", "counted");

    @Test
    void aFailingQueryFailsOnlyItsStreamTable() throws Exception {
        String url = TaskHarness.database("fullfail");
        exec(url, "CREATE TABLE nums (id int PRIMARY KEY, x int, note text)",
                "INSERT INTO nums SELECT g, g, 'n' || g FROM generate_series(1, 20) g",
                "SELECT pgtrickle.create_stream_table('ratios', 'SELECT id, 100 / x AS r FROM nums')",
                "SELECT pgtrickle.create_stream_table('notes', 'SELECT id, note FROM nums')",
                "SELECT pgtrickle.create_stream_table('counted', 'SELECT count(*) AS n, sum(x) AS s FROM nums')",
                "SELECT pgtrickle.create_stream_table('plain', 'SELECT * FROM nums')",
                "UPDATE pgtrickle.pgt_stream_tables SET effective_mode = 'DIFFERENTIAL', engine_ready = true "
                        + "WHERE pgt_name = 'plain'");
        long ratios = makeFull(url, "ratios");
        long notes = makeFull(url, "notes");
        long counted = makeFull(url, "counted");
        long plain = FullChecks.pgtId(url, "plain");
        String nums = TopicNames.changes("trickle", "public", "nums");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick first = h.nextTick();
            assertEquals(20, rows(first, RATIOS).size());
            assertEquals(20, first.rows(nums, plain).size(), "the incremental stream table is filled as before");

            exec(url, "INSERT INTO nums VALUES (0, 0, 'zero')");
            TaskHarness.Tick zero = h.tickWhere(t -> !t.allRows().isEmpty());
            assertNothingOn(zero, RATIOS);
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + zero.tick + ": division by zero",
                    one(url, "SELECT status || '|' || last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = "
                            + ratios));
            assertEquals(query(url, "SELECT id, note FROM nums"), rows(zero, NOTES));
            assertEnds(zero, NOTES, notes, true);
            assertEquals(Map.of(List.of("21", "210"), 1L), rows(zero, COUNTED));
            assertEnds(zero, COUNTED, counted, true);
            assertEquals(List.of("+{id=0, x=0, note=zero}"), zero.changes(nums));

            // the column its query reads goes (CASCADE: catalog 0.4.0.7 refuses a plain DROP COLUMN) with the stream table
            exec(url, "ALTER TABLE nums DROP COLUMN note CASCADE", "INSERT INTO nums VALUES (21, 1)");
            TaskHarness.Tick dropped = h.tickWhere(t -> !t.allRows().isEmpty());
            assertNothingOn(dropped, NOTES);
            assertNothingOn(dropped, RATIOS);
            assertEquals("0", one(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + notes));
            assertEquals(Map.of(List.of("22", "211"), 1L), rows(dropped, COUNTED));
            assertEnds(dropped, COUNTED, counted, true);

            TaskHarness.Tick idle = h.nextTick();
            assertIdle(idle, COUNTED, counted);
            assertNothingOn(idle, NOTES);
            assertEquals(0, h.abortRequests, "a query that fails before any of its rows left costs no abort");
        }
    }

    /**
     * The refresh fails after some of its rows were handed out in earlier batches: the tick's Kafka
     * transaction is aborted and the tick is taken again without the failed stream table. (A failure of
     * the query itself comes before any row: the owner's FULL-refresh function returns the rows once the
     * query is done. A value no record can carry, met half-way, fails it later.)
     */
    @Test
    void aQueryFailingHalfWayTakesTheTickAgainWithoutIt() throws Exception {
        String url = TaskHarness.database("fullhalf");
        exec(url, "CREATE TABLE big (id int PRIMARY KEY)",
                "INSERT INTO big SELECT g FROM generate_series(1, 3000) g",
                "SELECT pgtrickle.create_stream_table('ratios', 'SELECT id, CASE WHEN id = 2500 THEN ''NaN''::numeric ELSE id END AS r FROM big')",
                "SELECT pgtrickle.create_stream_table('counted', 'SELECT count(*) AS n FROM big')");
        long ratios = makeFull(url, "ratios");
        long counted = makeFull(url, "counted");
        try (TaskHarness h = new TaskHarness(url, Map.of(SourceConfig.BATCH_SIZE, "400"), null, true)) {
            TaskHarness.Tick t = h.nextTick();
            assertEquals(1, t.tick, "the same tick, taken again");
            assertEquals(1, h.abortRequests);
            assertEquals(List.of(t.last()), h.commitRequests);
            assertTrue(h.batchSizes.size() > 6, "the failed attempt handed out batches");
            assertNothingOn(t, RATIOS);
            assertEquals(Map.of(List.of("3000"), 1L), rows(t, COUNTED));
            assertEnds(t, COUNTED, counted, true);
            assertEquals("ERROR|refreshing in FULL mode failed at tick 1: numeric NaN has no Connect Decimal form "
                    + "(decimal.handling.mode=precise); set decimal.handling.mode=string in the source connector and the "
                    + "streams app, which carries numerics as PostgreSQL's text, NaN and Infinity included",
                    one(url, "SELECT status || '|' || last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = "
                            + ratios));
            assertEquals("1", one(url, "SELECT count(*) FROM pgtrickle.pgt_ticks"));
            assertEquals("1|false", one(url, "SELECT init_tick || '|' || needs_init FROM pgtrickle.pgt_stream_tables "
                    + "WHERE pgt_id = " + counted));
        }
    }

    /** A FULL refresh at a tick recorded but not in Kafka cannot be sent again: it is recomputed at the next tick. */
    @Test
    void refreshesOfTicksLostToKafkaAreRecomputedAtTheNextTick() throws Exception {
        String url = TaskHarness.database("fullreplay");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, amount int)",
                "INSERT INTO orders VALUES (1, 10)",
                "SELECT pgtrickle.create_stream_table('counted', 'SELECT count(*) AS n, sum(amount) AS s FROM orders')");
        long counted = makeFull(url, "counted");
        String orders = TopicNames.changes("trickle", "public", "orders");
        try (TaskHarness a = new TaskHarness(url)) {
            assertEquals(Map.of(List.of("1", "10"), 1L), rows(a.nextTick(), COUNTED));
            exec(url, "INSERT INTO orders VALUES (2, 20)");
            TaskHarness.Tick two = a.nextTick();
            assertEquals(Map.of(List.of("2", "30"), 1L), rows(two, COUNTED));
            exec(url, "INSERT INTO orders VALUES (3, 30)");
            assertEquals(Map.of(List.of("3", "60"), 1L), rows(a.nextTick(), COUNTED));
        }
        assertEquals("1|false", one(url, "SELECT init_tick || '|' || needs_init FROM pgtrickle.pgt_stream_tables"));
        // Kafka only has tick 1
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", 1L), true)) {
            TaskHarness.Tick two = b.nextTick();
            assertEquals(2, two.tick);
            assertEquals(List.of("+{id=2, amount=20}"), two.changes(orders));
            assertNothingOn(two, COUNTED);
            assertNothingOn(b.nextTick(), COUNTED);
            TaskHarness.Tick next = b.nextTick();
            assertEquals(4, next.tick);
            assertEquals(Map.of(List.of("3", "60"), 1L), rows(next, COUNTED));
            assertEnds(next, COUNTED, counted, true);
            assertTrue(next.recordsOf(ChangeRecord.Init.class).isEmpty());
            assertEquals("4|false", one(url, "SELECT init_tick || '|' || needs_init FROM pgtrickle.pgt_stream_tables"));
            assertIdle(b.nextTick(), COUNTED, counted);
        }
    }
}
