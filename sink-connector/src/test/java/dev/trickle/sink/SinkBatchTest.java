package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Consecutive complete ticks that are waiting together are applied in one transaction: the stream table goes
 * straight to the last one, equal to what the ticks add up to; its history row names the ticks it covers; a
 * fill is never merged with the ticks before it; nothing is applied twice across restarts and failures.
 */
class SinkBatchTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_batch");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String topic(String name) {
        return TopicNames.delta("trickle", "public", name);
    }

    private static long streamTable(String name) throws SQLException {
        h.exec("CREATE TABLE " + name + "_src (v text)");
        return h.createStreamTable(name, "SELECT v FROM " + name + "_src");
    }

    /** History rows: first tick, last tick, initial, rows inserted, rows deleted, status. */
    private static List<List<String>> history(long id) throws SQLException {
        return h.rows("SELECT first_tick_id, tick_id, initial, rows_inserted, rows_deleted, status "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " ORDER BY refresh_id");
    }

    @Test
    void waitingTicksApplyInOneTransactionWithTheirDeltasSummed() throws SQLException {
        long id = streamTable("sum");
        String t = topic("sum");
        h.put(h.row(t, 0, 1, 1, "a"), h.row(t, 0, 1, 1, "b"), h.end(t, 1, id, true));
        // ticks 2..5 arrive together: c comes and goes again (nothing to write), 3 and 4 are idle, a goes, d comes
        h.put(h.row(t, 0, 2, 1, "c"), h.row(t, 0, 2, -1, "a"), h.end(t, 2, id, false),
              h.end(t, 3, id, false), h.end(t, 4, id, false),
              h.row(t, 0, 5, -1, "c"), h.row(t, 0, 5, 1, "d"), h.end(t, 5, id, false));
        h.assertContent("sum", "VALUES ('b'), ('d')");
        assertEquals(List.of(List.of("1", "1", "t", "2", "0", "COMPLETED"), List.of("2", "5", "f", "1", "1", "COMPLETED")),
                history(id), "one history row for ticks 2..5, with c cancelled out");
        assertEquals(List.of(List.of("5", "5", "t")), h.rows("SELECT s.last_tick, p.last_tick, s.data_timestamp = "
                + "to_timestamp(" + (SinkHarness.TICK_MILLIS + 5000) + " / 1000.0) FROM pgtrickle.pgt_stream_tables s "
                + "JOIN pgtrickle.pgt_sink_progress p USING (pgt_id) WHERE pgt_id = " + id));
        assertEquals(List.of(List.of("5", "2", "DIFFERENTIAL")), h.rows("SELECT tick_id, first_tick_id, action "
                + "FROM pgtrickle.get_refresh_history('sum', 1)"));
        assertEquals(11, h.committable(t, 0));

        // idle ticks only: no history row, the stream table still advances
        h.put(h.end(t, 6, id, false), h.end(t, 7, id, false));
        assertEquals(2, history(id).size());
        assertEquals("7", h.one("SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void aFillStartsABatchAndIsNeverMergedWithTheTicksBeforeIt() throws SQLException {
        long id = streamTable("refill");
        String t = topic("refill");
        // the first fill and the tick after it are one batch; tick 3's refill starts the next one, with tick 4
        h.put(h.row(t, 0, 1, 1, "a"), h.row(t, 0, 1, 1, "b"), h.end(t, 1, id, true),
              h.row(t, 0, 2, -1, "a"), h.row(t, 0, 2, 1, "c"), h.end(t, 2, id, false),
              h.row(t, 0, 3, 1, "x"), h.row(t, 0, 3, 1, "y"), h.end(t, 3, id, true),
              h.row(t, 0, 4, -1, "y"), h.end(t, 4, id, false));
        h.assertContent("refill", "VALUES ('x')");
        assertEquals(List.of(List.of("1", "2", "t", "2", "0", "COMPLETED"), List.of("3", "4", "t", "1", "2", "COMPLETED")),
                history(id), "ticks 1..2 with the first fill, then 3..4 with the refill (which wiped b and c)");
        assertEquals(List.of(List.of("4", "INITIALIZE"), List.of("2", "INITIALIZE")), h.rows("SELECT tick_id, action "
                + "FROM pgtrickle.get_refresh_history('refill')"));
    }

    @Test
    void aKeylessStreamTableLosesExactlyTheCopiesItsTicksDelete() throws SQLException {
        long id = streamTable("copies");
        String t = topic("copies");
        h.put(h.row(t, 0, 1, 3, "a"), h.row(t, 0, 1, 2, "b"), h.row(t, 0, 1, 1, "c"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, -1, "a"), h.end(t, 2, id, false), h.row(t, 0, 3, -1, "a"), h.row(t, 0, 3, 1, "b"),
              h.end(t, 3, id, false), h.row(t, 0, 4, -3, "b"), h.row(t, 0, 4, 2, "c"), h.end(t, 4, id, false));
        h.assertContent("copies", "VALUES ('a'), ('c'), ('c'), ('c')");
        assertEquals(List.of("2", "4", "f", "2", "4", "COMPLETED"), history(id).get(1));

        // the batch deletes one copy more than there is: nothing of it stays, and the stream table is in ERROR
        h.put(h.row(t, 0, 5, -1, "c"), h.end(t, 5, id, false), h.row(t, 0, 6, -3, "c"), h.row(t, 0, 6, 1, "z"),
              h.end(t, 6, id, false));
        h.assertContent("copies", "VALUES ('a'), ('c'), ('c'), ('c')");
        String error = h.one("SELECT status || ': ' || last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
        assertTrue(error.startsWith("ERROR: ticks 5 to 6 deletes 4 row(s), but only 3"), error);
        assertEquals("4", h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id));
    }

    @Test
    void aBatchAfterARestartSkipsTheTicksAppliedBeforeIt() throws SQLException {
        long id = streamTable("resume");
        String t = topic("resume");
        List<SinkRecord> first = List.of(h.row(t, 0, 1, 1, "a"), h.end(t, 1, id, true), h.row(t, 0, 2, 1, "b"),
                h.end(t, 2, id, false));
        h.put(first);
        // a restart before the offsets were committed: ticks 1 and 2 come again, now with 3 behind them
        h.task.stop();
        h.task = h.newTask();
        List<SinkRecord> again = new ArrayList<>(first);
        again.add(h.row(t, 0, 3, 1, "c"));
        again.add(h.end(t, 3, id, false));
        h.put(again);
        h.assertContent("resume", "VALUES ('a'), ('b'), ('c')");
        assertEquals(List.of(List.of("1", "2", "t", "2", "0", "COMPLETED"), List.of("3", "3", "f", "1", "0", "COMPLETED")),
                history(id), "the redelivered ticks 1..2 are left out of the new batch");
    }

    @Test
    void ticksWaitingBehindAFailureAreAppliedWithItOnTheRetry() throws SQLException {
        long id = streamTable("retry");
        String t = topic("retry");
        h.put(h.row(t, 0, 1, 1, "a"), h.end(t, 1, id, true));
        h.exec("CREATE TABLE retry_gate (open boolean)", "INSERT INTO retry_gate VALUES (false)",
               "CREATE FUNCTION retry_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       + "IF NOT (SELECT open FROM retry_gate) THEN RAISE EXCEPTION 'gate closed'; END IF; "
                       + "RETURN NEW; END $$",
               "CREATE TRIGGER gate BEFORE INSERT ON retry FOR EACH ROW EXECUTE FUNCTION retry_gate()");
        h.put(h.row(t, 0, 2, 1, "b"), h.end(t, 2, id, false), h.row(t, 0, 3, -1, "a"), h.end(t, 3, id, false));
        assertEquals(List.of("2", "3", "f", "0", "0", "FAILED"), history(id).get(1));
        h.exec("UPDATE retry_gate SET open = true");
        h.put(h.row(t, 0, 4, 1, "c"), h.end(t, 4, id, false));
        h.assertContent("retry", "VALUES ('b'), ('c')");
        assertEquals(List.of("2", "4", "f", "2", "1", "COMPLETED"), history(id).get(2),
                "the retry takes the ticks that arrived meanwhile along");
        assertEquals(List.of(List.of("ACTIVE", "4", "0")), h.rows("SELECT status, last_tick, consecutive_failures "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void oneTickPerTransactionWhenBatchingIsOff() throws SQLException {
        try (SinkHarness single = new SinkHarness("sink_batch_off", Map.of(SinkConfig.APPLY_BATCH_MAX_TICKS, "1"))) {
            single.exec("CREATE TABLE one_src (v text)");
            long id = single.createStreamTable("one", "SELECT v FROM one_src");
            String t = topic("one");
            single.put(single.row(t, 0, 1, 1, "a"), single.end(t, 1, id, true), single.row(t, 0, 2, 1, "b"),
                    single.end(t, 2, id, false), single.row(t, 0, 3, -1, "b"), single.end(t, 3, id, false));
            single.assertContent("one", "VALUES ('a')");
            assertEquals(List.of(List.of("1", "1"), List.of("2", "2"), List.of("3", "3")), single.rows(
                    "SELECT first_tick_id, tick_id FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id
                            + " ORDER BY refresh_id"));
        }
    }

    @Test
    void aBadBatchSizeIsRefusedWithTheKeyNamed() {
        Exception e = assertThrows(RuntimeException.class, () -> new SinkConfig(Map.of(SinkConfig.PG_URL,
                "jdbc:postgresql://localhost/x", SinkConfig.APPLY_BATCH_MAX_TICKS, "0")));
        assertTrue(e.getMessage().contains(SinkConfig.APPLY_BATCH_MAX_TICKS), e.getMessage());
    }
}
