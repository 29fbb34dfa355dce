package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The source connector's part of verify_stream_table: a request seen in pg_locks at a new tick has the query
 * evaluated at that tick's snapshot into the verification's result table (one verification at a time per
 * stream table); a query that fails there is the verification's verdict, and the tick goes on.
 */
class TickVerifierTest {
    private static final String Q = "SELECT kind, count(*) AS n, sum(price) AS total FROM items GROUP BY kind";

    @Test
    void aRequestedStreamTableIsEvaluatedAtTheTickAndAFailingQueryIsTheVerdict() throws Exception {
        String url = TaskHarness.database("verifier");
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int, price numeric(8,2))",
                "INSERT INTO items SELECT g, g % 4, g * 1.25 FROM generate_series(1, 200) g",
                "SELECT pgtrickle.create_stream_table('totals', '" + Q + "')",
                "SELECT pgtrickle.create_stream_table('boom', 'SELECT id, 10 / (id - 5) AS q FROM items')",
                "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        String totals = one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'totals'");
        String boom = one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'boom'");
        try (TaskHarness h = new TaskHarness(url); Connection caller = EmbeddedPg.connect(url);
             Statement s = caller.createStatement()) {
            h.nextTick();
            assertEquals("0", one(url, "SELECT count(*) FROM pgtrickle.pgt_verifications"), "nothing asked, nothing done");
            caller.setAutoCommit(false);
            s.execute("SELECT pg_advisory_xact_lock_shared(1885828214, " + totals + "), "
                    + "pg_advisory_xact_lock_shared(1885828214, " + boom + ")");
            TaskHarness.Tick tick = h.nextTick();
            assertEquals("PENDING|true", one(url, "SELECT v.status || '|' || (v.snapshot = t.snapshot::text) "
                    + "FROM pgtrickle.pgt_verifications v JOIN pgtrickle.pgt_ticks t USING (tick_id) "
                    + "WHERE v.pgt_id = " + totals + " AND v.tick_id = " + tick.tick));
            String table = one(url, "SELECT result_table FROM pgtrickle.pgt_verifications WHERE pgt_id = " + totals);
            assertEquals("4|0|0", one(url, "SELECT (SELECT count(*) FROM " + table + ") || '|' || "
                    + "(SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT ALL " + Q + ") a) || '|' || "
                    + "(SELECT count(*) FROM (" + Q + " EXCEPT ALL SELECT * FROM " + table + ") b)"));
            String failed = one(url, "SELECT status || ': ' || error_message FROM pgtrickle.pgt_verifications "
                    + "WHERE pgt_id = " + boom);
            assertEquals("FAILED: evaluating the query at tick " + tick.tick + " failed: division by zero", failed);

            // still asked: the pending one stays the only one; the failed one is asked for again
            TaskHarness.Tick next = h.nextTick();
            assertEquals("1", one(url, "SELECT count(*) FROM pgtrickle.pgt_verifications WHERE pgt_id = " + totals));
            assertTrue(Long.parseLong(one(url, "SELECT count(*) FROM pgtrickle.pgt_verifications WHERE pgt_id = " + boom
                    + " AND tick_id = " + next.tick)) == 1);
            caller.rollback();
        }
    }

    /** The query is evaluated under the TimeZone recorded with the stream table, not the connector's UTC. */
    @Test
    void theQueryIsEvaluatedUnderTheStreamTablesTimeZone() throws Exception {
        String url = TaskHarness.database("verifier_zone");
        String q = "SELECT date_trunc('day', at) AS day, at::text AS t FROM events";
        exec(url, "CREATE TABLE events (id int PRIMARY KEY, at timestamptz)",
                "INSERT INTO events SELECT g, TIMESTAMPTZ '2024-03-09 12:00:00+00' + g * interval '97 minutes' FROM generate_series(1, 40) g",
                "SET TimeZone = 'Asia/Kolkata'",
                "SELECT pgtrickle.create_stream_table('daily', '" + q.replace("'", "''") + "')",
                "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        String id = one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'daily'");
        try (TaskHarness h = new TaskHarness(url); Connection caller = EmbeddedPg.connect(url);
             Statement s = caller.createStatement()) {
            caller.setAutoCommit(false);
            s.execute("SELECT pg_advisory_xact_lock_shared(1885828214, " + id + ")");
            h.nextTick();
            String table = one(url, "SELECT result_table FROM pgtrickle.pgt_verifications WHERE pgt_id = " + id);
            String compare = "SELECT (SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT ALL " + q + ") a) || '|' || "
                    + "(SELECT count(*) FROM (" + q + " EXCEPT ALL SELECT * FROM " + table + ") b)";
            try (Connection kolkata = EmbeddedPg.connect(url); Statement k = kolkata.createStatement()) {
                k.execute("SET TimeZone = 'Asia/Kolkata'");
                try (var rs = k.executeQuery(compare)) {
                    rs.next();
                    assertEquals("0|0", rs.getString(1));
                }
                k.execute("SET TimeZone = 'UTC'");
                try (var rs = k.executeQuery(compare)) {
                    rs.next();
                    assertTrue(!rs.getString(1).equals("0|0"), "under UTC the days and texts differ");
                }
            }
            caller.rollback();
        }
    }
}
