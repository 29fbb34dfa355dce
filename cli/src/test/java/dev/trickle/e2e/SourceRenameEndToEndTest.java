package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A stream table follows renames of its source as a view does: after RENAME COLUMN of a column it
 * uses and RENAME of the source table, its stored query names the new names, the engine plans it
 * again (DIFFERENTIAL, so that nothing but the engine can keep it exact) and it equals its query
 * across later DML. A stream table over another source goes on meanwhile.
 */
class SourceRenameEndToEndTest extends E2eSupport {
    private static final String AGG = "public.st_ren_agg";
    private static final String OTHER = "public.st_ren_other";
    private static final String OTHER_Q = "SELECT id, w FROM ren_other WHERE w % 2 = 0";

    @AfterAll
    static void dropEverything() throws SQLException {
        for (String st : new String[] {AGG, OTHER}) {
            if (one("SELECT 1 FROM pgtrickle.pgt_status() WHERE name = '" + st + "'") != null) {
                exec("SELECT pgtrickle.drop_stream_table('" + st + "')");
            }
        }
        exec("DROP TABLE IF EXISTS ren_orders", "DROP TABLE IF EXISTS ren_orders2", "DROP TABLE IF EXISTS ren_other");
    }

    @Test
    void renamesOfAUsedColumnAndOfTheSourceAreFollowed() throws Exception {
        exec("CREATE TABLE ren_orders (id int PRIMARY KEY, grp int, amount numeric(10,2))",
                "CREATE TABLE ren_other (id int PRIMARY KEY, w int)",
                "INSERT INTO ren_orders SELECT g, g % 7, g * 1.25 FROM generate_series(1, 500) g",
                "INSERT INTO ren_other SELECT g, g FROM generate_series(1, 100) g",
                "SELECT pgtrickle.create_stream_table('" + AGG + "', "
                        + "'SELECT grp, count(*) AS n, sum(amount) AS total FROM ren_orders GROUP BY grp', "
                        + "refresh_mode => 'DIFFERENTIAL')",
                "SELECT pgtrickle.create_stream_table('" + OTHER + "', '" + OTHER_Q.replace("'", "''") + "')");
        awaitActive(AGG, OTHER);
        assertMatches(AGG, "grp, n, total", "SELECT grp, count(*), sum(amount) FROM ren_orders GROUP BY grp");

        exec("ALTER TABLE ren_orders RENAME COLUMN amount TO price");
        String query = storedQuery(AGG);
        assertTrue(query.contains("price") && !query.contains("amount"), "the stored query follows the rename: " + query);
        exec("INSERT INTO ren_orders SELECT g, g % 5, g * 0.5 FROM generate_series(501, 600) g",
                "UPDATE ren_orders SET price = price + 1 WHERE grp = 3",
                "DELETE FROM ren_orders WHERE id % 11 = 0",
                "UPDATE ren_other SET w = w + 1 WHERE id % 3 = 0");
        awaitFollowing();
        assertMatches(AGG, "grp, n, total", "SELECT grp, count(*), sum(price) FROM ren_orders GROUP BY grp");

        exec("ALTER TABLE ren_orders RENAME TO ren_orders2");
        query = storedQuery(AGG);
        assertTrue(query.contains("ren_orders2"), "the stored query names the renamed table: " + query);
        exec("INSERT INTO ren_orders2 SELECT g, g % 9, g * 0.75 FROM generate_series(601, 700) g",
                "UPDATE ren_orders2 SET grp = grp + 1 WHERE id % 4 = 0",
                "DELETE FROM ren_orders2 WHERE id % 13 = 0",
                "UPDATE ren_other SET w = w + 1 WHERE id % 5 = 0");
        awaitFollowing();
        assertMatches(AGG, "grp, n, total", "SELECT grp, count(*), sum(price) FROM ren_orders2 GROUP BY grp");
        assertMatches(OTHER, "*", OTHER_Q);
        assertEquals("DIFFERENTIAL", one("SELECT effective_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st_ren_agg'"),
                "the renamed stream table is still maintained by the engine");
    }

    /** Both stream tables ACTIVE and past a tick taken after the last change. */
    private static void awaitFollowing() throws Exception {
        awaitActive(AGG, OTHER);
        awaitCaughtUp(AGG, OTHER);
        awaitActive(AGG, OTHER);
    }

    private static String storedQuery(String name) throws SQLException {
        return one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE format('%I.%I', pgt_schema, pgt_name) = '"
                + name + "'");
    }
}
