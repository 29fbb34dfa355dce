package dev.trickle.source;

import static dev.trickle.source.FullChecks.assertEnds;
import static dev.trickle.source.FullChecks.delta;
import static dev.trickle.source.FullChecks.makeFull;
import static dev.trickle.source.FullChecks.query;
import static dev.trickle.source.FullChecks.rows;
import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A FULL stream table after alter_stream_table(query => ...) added a column in the middle of its query: the storage
 * table has it at the end, and the refill takes each column from the query by name, not by position.
 */
class FullRefreshAlterTest {
    private static final String TOTALS = delta("public", "alt_totals");

    @Test
    void theRefillAfterAnAlterTakesColumnsByName() throws Exception {
        String url = TaskHarness.database("full_alter");
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int, price numeric(8,2))",
                "INSERT INTO items SELECT g, g % 4, g * 1.25 FROM generate_series(1, 50) g",
                "SELECT pgtrickle.create_stream_table('alt_totals', 'SELECT kind, count(*) AS n FROM items GROUP BY kind')");
        long id = makeFull(url, "alt_totals");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick first = h.nextTick();
            assertEquals(query(url, "SELECT kind, count(*) AS n FROM items GROUP BY kind"), rows(first, TOTALS));

            // a text column between two counts: by position its values would land in "n" (bigint)
            exec(url, "SELECT pgtrickle.alter_stream_table('alt_totals', query => 'SELECT kind, ''k'' || kind AS label, "
                    + "count(*) AS n, sum(price) AS total FROM items GROUP BY kind')");
            makeFull(url, "alt_totals");
            TaskHarness.Tick refill = h.tickWhere(t -> !rows(t, TOTALS).isEmpty());
            assertEquals(query(url, "SELECT kind, count(*) AS n, 'k' || kind AS label, sum(price) AS total FROM items "
                    + "GROUP BY kind"), rows(refill, TOTALS), "in the storage table's order: kind, n, label, total");
            assertEnds(refill, TOTALS, id, true);
        }
    }

    /** verify_stream_table's evaluation of the query lands by name in the stream table's (altered) column order. */
    @Test
    void aVerificationAfterAnAlterTakesColumnsByName() throws Exception {
        String url = TaskHarness.database("verify_alter");
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int, price numeric(8,2))",
                "INSERT INTO items SELECT g, g % 4, g * 1.25 FROM generate_series(1, 50) g",
                "SELECT pgtrickle.create_stream_table('alt_v', 'SELECT kind, count(*) AS n FROM items GROUP BY kind')",
                "SELECT pgtrickle.alter_stream_table('alt_v', query => 'SELECT kind, ''k'' || kind AS label, count(*) AS n "
                        + "FROM items GROUP BY kind')",
                "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        String id = TaskHarness.one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_v'");
        try (TaskHarness h = new TaskHarness(url); java.sql.Connection caller = dev.trickle.core.testing.EmbeddedPg.connect(url);
             java.sql.Statement s = caller.createStatement()) {
            h.nextTick();
            caller.setAutoCommit(false);
            s.execute("SELECT pg_advisory_xact_lock_shared(1885828214, " + id + ")");
            h.nextTick();
            String table = TaskHarness.one(url, "SELECT result_table FROM pgtrickle.pgt_verifications WHERE pgt_id = " + id);
            assertEquals("kind, n, label", TaskHarness.one(url, "SELECT string_agg(attname, ', ' ORDER BY attnum) "
                    + "FROM pg_attribute WHERE attrelid = '" + table + "'::regclass AND attnum > 0"));
            assertEquals("4|0", TaskHarness.one(url, "SELECT (SELECT count(*) FROM " + table + ") || '|' || (SELECT count(*) "
                    + "FROM (SELECT kind, n, label FROM " + table + " EXCEPT ALL SELECT kind, count(*), 'k' || kind "
                    + "FROM items GROUP BY kind) d)"));
            caller.rollback();
        }
    }
}
