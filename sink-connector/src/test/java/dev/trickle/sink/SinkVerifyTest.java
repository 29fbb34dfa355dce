package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * verify_stream_table's comparison in the sink: a verification pending for tick N compares the stream table
 * as of N, also when N arrives in a batch with later ticks (the batch is then written in two parts in one
 * transaction), and a stream table that passed N before the batch marks it MISSED.
 */
class SinkVerifyTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_verify");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** What the source connector does at tick {@code tick}: the query's result there, here given as rows. */
    private static void pending(long id, long tick, String... rows) throws SQLException {
        h.exec("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (" + tick + ", pg_current_snapshot(), "
                + "pg_current_wal_lsn()) ON CONFLICT (tick_id) DO NOTHING");
        String table = h.one("SELECT result_table FROM pgtrickle._verify_begin(" + id + ", " + tick
                + ", (SELECT snapshot::text FROM pgtrickle.pgt_ticks WHERE tick_id = " + tick + "))");
        if (rows.length > 0) {
            h.exec("INSERT INTO " + table + " VALUES ('" + String.join("'), ('", rows) + "')");
        }
    }

    private static String verdict(long id, long tick) throws SQLException {
        return h.one("SELECT concat_ws('|', status, expected_rows, actual_rows, missing_rows, extra_rows, "
                + "coalesce(extra_sample::text, '')) FROM pgtrickle.pgt_verifications WHERE pgt_id = " + id
                + " AND tick_id = " + tick);
    }

    @Test
    void aBatchRunningPastTheVerifiedTickIsComparedAtThatTick() throws SQLException {
        h.exec("CREATE TABLE past_src (v text)");
        long id = h.createStreamTable("past", "SELECT v FROM past_src");
        String t = TopicNames.delta("trickle", "public", "past");
        h.put(h.row(t, 0, 1, 1, "a"), h.row(t, 0, 1, 1, "b"), h.end(t, 1, id, true));
        pending(id, 3, "b", "c");
        // ticks 2..5 in one batch: at tick 3 the stream table holds {b, c}, at tick 5 {b, d}
        h.put(h.row(t, 0, 2, 1, "c"), h.end(t, 2, id, false), h.row(t, 0, 3, -1, "a"), h.end(t, 3, id, false),
              h.row(t, 0, 4, 1, "d"), h.end(t, 4, id, false), h.row(t, 0, 5, -1, "c"), h.end(t, 5, id, false));
        h.assertContent("past", "VALUES ('b'), ('d')");
        assertEquals("EQUAL|2|2|0|0|", verdict(id, 3));
        assertEquals(List.of(List.of("2", "3"), List.of("4", "5")), h.rows("SELECT first_tick_id, tick_id "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND NOT initial ORDER BY refresh_id"));

        pending(id, 6, "b");
        h.put(h.end(t, 6, id, false));
        assertEquals("DIFFERENT|1|2|0|1|[{\"v\": \"d\"}]", verdict(id, 6));
        assertEquals("0", h.one("SELECT count(*) FROM pg_tables WHERE schemaname = 'pgtrickle_verify'"));
    }

    @Test
    void aTickTheStreamTablePassedBeforeIsMissed() throws SQLException {
        h.exec("CREATE TABLE gone_src (v text)");
        long id = h.createStreamTable("gone", "SELECT v FROM gone_src");
        String t = TopicNames.delta("trickle", "public", "gone");
        h.put(h.row(t, 0, 1, 1, "a"), h.end(t, 1, id, true), h.end(t, 2, id, false));
        pending(id, 2, "a");
        h.put(h.end(t, 3, id, false));
        assertEquals("MISSED|", verdict(id, 2));
    }
}
