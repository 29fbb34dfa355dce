package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.DeltaRecord;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schemaless delta rows (the shipped JsonConverter default) of a stream table whose columns alter_stream_table
 * changed right after the sink read them: the rows of the new fill are held until the columns may be read again,
 * then applied; the deltas of the old query before the fill are skipped (the stream table waits for its fill).
 */
class SinkAlterColumnsTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_alter");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @Test
    void rowsOfTheNewColumnsAreReadAfterAnAlter() throws Exception {
        h.exec("CREATE TABLE alt_src (id int PRIMARY KEY, amount int)", "INSERT INTO alt_src VALUES (1, 10), (2, 20)");
        long id = h.createStreamTable("alt_copy", "SELECT id, amount FROM alt_src");
        String t = "trickle.delta.public.alt_copy";
        List<String> before = List.of("id", "amount");
        h.put(map(t, before, List.of("integer", "integer"), new DeltaRecord.Row(1, 1, List.of("1", "10"))),
                map(t, before, List.of("integer", "integer"), new DeltaRecord.Row(1, 1, List.of("2", "20"))),
                h.end(t, 1, id, true));
        h.assertContent("alt_copy", "VALUES (1, 10), (2, 20)");

        h.exec("SELECT pgtrickle.alter_stream_table('alt_copy', query => "
                + "'SELECT id, amount::numeric(8,2) AS amount, amount * 2 AS twice FROM alt_src')");
        // a delta of the old query, still on its way: the stream table waits for its new fill
        h.put(map(t, before, List.of("integer", "integer"), new DeltaRecord.Row(2, 1, List.of("3", "30"))),
                h.end(t, 2, id, false));
        h.assertContent("alt_copy", "VALUES (1, 10.00, NULL::int), (2, 20.00, NULL)");

        List<String> after = List.of("id", "amount", "twice");
        List<String> types = List.of("integer", "numeric(8,2)", "integer");
        SinkRecord[] fill = {map(t, after, types, new DeltaRecord.Row(3, 1, Arrays.asList("1", "10.00", "20"))),
            map(t, after, types, new DeltaRecord.Row(3, 1, Arrays.asList("2", "20.00", "40"))), h.end(t, 3, id, true)};
        long deadline = System.currentTimeMillis() + 30_000;
        boolean applied = false;
        while (!applied) {
            try {
                h.put(fill);
                applied = true;
            } catch (RetriableException e) {
                // the columns were read just before the alter: Connect delivers the records again
                assertTrue(e.getMessage().contains("reading them again in"), e.getMessage());
                assertTrue(System.currentTimeMillis() < deadline, "the new columns were never read");
                Thread.sleep(200); // as Connect's redelivery after context.timeout
            }
        }
        h.assertContent("alt_copy", "VALUES (1, 10.00, 20), (2, 20.00, 40)");
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    /**
     * Rows left on the delta topic of a stream table that no longer exists (no stream table of the catalog writes
     * the topic) are not held for the columns to be read again: holding each of them stalled every stream table
     * of the sink for the refresh interval (seen after a broker restart in CrashRecoveryEndToEndTest).
     */
    @Test
    void rowsOfATopicNoStreamTableWritesAreNotHeld() throws Exception {
        String gone = "trickle.delta.public.alt_gone";
        List<String> cols = List.of("id", "amount");
        List<String> types = List.of("integer", "integer");
        h.put(map(gone, cols, types, new DeltaRecord.Row(5, 1, List.of("1", "10"))),
                map(gone, cols, types, new DeltaRecord.Row(5, 1, List.of("2", "20"))));
        h.exec("CREATE TABLE alt_after (id int PRIMARY KEY)", "INSERT INTO alt_after VALUES (7)");
        long id = h.createStreamTable("alt_after_copy", "SELECT id FROM alt_after");
        String t = "trickle.delta.public.alt_after_copy";
        h.put(map(t, List.of("id"), List.of("integer"), new DeltaRecord.Row(1, 1, List.of("7"))), h.end(t, 1, id, true));
        h.assertContent("alt_after_copy", "VALUES (7)");
    }

    /**
     * A fill of the old plan, read at a tick taken before the alter committed (a FULL refresh or fill under way then),
     * is not applied: the stream table waits for the fill of its new plan.
     */
    @Test
    void aFillTakenBeforeTheAlterIsNotApplied() throws Exception {
        // ticks of their own (the harness makes no ticks; the other test's fills are at ticks without a row)
        h.exec("CREATE TABLE old_fill_src (id int PRIMARY KEY, amount int)");
        long id = h.createStreamTable("old_fill", "SELECT id, amount FROM old_fill_src");
        String t = "trickle.delta.public.old_fill";
        h.put(h.row(t, 0, 1, 1, "1", "10"), h.end(t, 1, id, true));
        h.assertContent("old_fill", "VALUES (1, 10)");
        h.exec("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (1002, pg_current_snapshot(), '0/0')",
                "SELECT pgtrickle.alter_stream_table('old_fill', query => 'SELECT id, amount FROM old_fill_src WHERE amount > 5')",
                "INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (1003, pg_current_snapshot(), '0/0')");
        h.put(h.row(t, 0, 1002, 1, "2", "1"), h.end(t, 1002, id, true));
        h.assertContent("old_fill", "VALUES (1, 10)");
        assertEquals("INITIALIZING", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        h.put(h.row(t, 0, 1003, 1, "3", "30"), h.end(t, 1003, id, true));
        h.assertContent("old_fill", "VALUES (3, 30)");
        assertEquals("ACTIVE|1003", h.one("SELECT status || '|' || last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    /** A delta record as JsonConverter without schemas hands it to the task: a map. */
    private static SinkRecord map(String topic, List<String> columns, List<String> types, DeltaRecord r) {
        DeltaRecords schemas = TopicSchemas.delta(topic, columns, types, List.of(), DecimalHandling.STRING);
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "false"), false);
        Object value = json.toConnectData(topic, json.fromConnectData(topic, schemas.valueSchema(), schemas.value(r))).value();
        return h.record(topic, 0, value);
    }
}
