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
}
