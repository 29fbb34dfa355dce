package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stateless stream table sends its rows to the delta topic as they come, before the tick ends. A query error on
 * one row in the middle of a tick (here a division by zero among a few hundred good rows of one transaction) must
 * then leave the stream table in ERROR with its data at the last good tick: the rows of the failed tick that went
 * out before the error are never applied, however many ticks follow. A refresh after the data is fixed fills it
 * anew, and it follows its query again.
 */
class QueryErrorEndToEndTest extends E2eSupport {
    private static final String QUERY = "SELECT id, 1000 / x AS q, x FROM qe_src";
    private static final String NAME = "public.qe_plain";

    @Test
    void aQueryErrorInTheMiddleOfATickLeavesTheLastGoodTickUntilARefresh() throws Exception {
        exec("CREATE TABLE qe_src (id int PRIMARY KEY, x int)",
             "INSERT INTO qe_src SELECT g, g FROM generate_series(1, 50) g",
             "SELECT pgtrickle.create_stream_table('qe_plain', $$" + QUERY + "$$, refresh_mode => 'DIFFERENTIAL')");
        try {
            awaitActive(NAME);
            exec("INSERT INTO qe_src SELECT g, g FROM generate_series(51, 100) g", "DELETE FROM qe_src WHERE id = 7");
            awaitCaughtUp(NAME);
            assertMatches(NAME, "id, q, x", QUERY);
            List<String> atGood = rows("SELECT id, q, x FROM qe_plain ORDER BY id");

            // one transaction, so one tick: good rows on every partition before and after the bad one
            String xid;
            try (Connection c = connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO qe_src SELECT g, g FROM generate_series(101, 300) g");
                st.execute("UPDATE qe_src SET x = x + 1 WHERE id <= 20");
                st.execute("INSERT INTO qe_src VALUES (301, 0)");
                st.execute("INSERT INTO qe_src SELECT g, g FROM generate_series(302, 500) g");
                try (ResultSet rs = st.executeQuery("SELECT pg_current_xact_id()::text")) {
                    rs.next();
                    xid = rs.getString(1);
                }
                c.commit();
            }
            await(NAME + " to stop at the division by zero", sql(() -> "ERROR".equals(status(NAME))));
            String error = value("last_error", NAME);
            assertTrue(error.contains("division by zero"), error);

            // ticks go on; the failed tick's rows that went out are never applied
            String visible = "SELECT min(tick_id) FROM pgtrickle.pgt_ticks WHERE pg_visible_in_snapshot('" + xid
                    + "'::xid8, snapshot)";
            await("the failed transaction's tick", sql(() -> one(visible) != null));
            long failed = Long.parseLong(one(visible));
            exec("INSERT INTO qe_src VALUES (600, 6)");
            await("three more ticks", sql(() -> currentTick() >= failed + 3));
            assertTrue(lastTick(NAME) < failed, "the stream table stays before the failed tick " + failed + ": "
                    + lastTick(NAME));
            assertEquals(atGood, rows("SELECT id, q, x FROM qe_plain ORDER BY id"));
            assertEquals("ERROR", status(NAME));

            exec("UPDATE qe_src SET x = 5 WHERE id = 301", "SELECT pgtrickle.refresh_stream_table('qe_plain')");
            awaitActive(NAME);
            exec("INSERT INTO qe_src VALUES (700, 7)", "DELETE FROM qe_src WHERE id BETWEEN 100 AND 120",
                 "UPDATE qe_src SET x = x * 2 WHERE id % 9 = 0");
            awaitCaughtUp(NAME);
            assertMatches(NAME, "id, q, x", QUERY);
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('qe_plain')", "DROP TABLE qe_src");
        }
    }
}
