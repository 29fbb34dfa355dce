package dev.trickle.source;

import static dev.trickle.source.TaskHarness.column;
import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.TopicNames;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DDL on a captured source while ticks run: ticks keep coming, rows buffered before the DDL read with
 * the table's new shape (a column added since is null, a dropped one is left out), and stream tables
 * over other sources never notice.
 */
class SourceDdlTest {
    private static final String A = TopicNames.changes("trickle", "public", "a");
    private static final String B = TopicNames.changes("trickle", "public", "b");

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE a (id int PRIMARY KEY, unused text, v int)",
                "CREATE TABLE b (id int PRIMARY KEY, w int)",
                "SELECT pgtrickle.create_stream_table('on_a', 'SELECT id, v FROM a')",
                "SELECT pgtrickle.create_stream_table('on_b', 'SELECT id, w FROM b')");
        return url;
    }

    /**
     * Enough ticks that the driver's statements are prepared on the server (five runs of one text), the
     * way a task that has run a while has them, before the DDL happens.
     */
    private static void warmUp(TaskHarness h, String url) throws Exception {
        for (int i = 1; i <= 8; i++) {
            exec(url, "INSERT INTO a VALUES (" + i + ", 'x', " + i + ")", "INSERT INTO b VALUES (" + i + ", " + i + ")");
            h.tickWhere(t -> t.changes(A).size() == 1 && t.changes(B).size() == 1);
        }
    }

    @Test
    void droppingAnUnusedColumnKeepsTicksComing() throws Exception {
        String url = setUp("ddldrop");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            // buffered before the DROP, read after it: the dropped column is left out
            exec(url, "INSERT INTO a VALUES (100, 'before', 100)", "ALTER TABLE a DROP COLUMN unused",
                    "INSERT INTO a VALUES (101, 101)", "INSERT INTO b VALUES (100, 100)");
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, w=100}"), t.changes(B));
            assertEquals(List.of("+{id=100, v=100}", "+{id=101, v=101}"), t.changes(A));
            exec(url, "UPDATE a SET v = 1000 WHERE id = 1", "INSERT INTO b VALUES (101, 101)");
            TaskHarness.Tick next = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("-{id=1, v=1}", "+{id=1, v=1000}"), next.changes(A));
            assertEquals(List.of("on_a|INITIALIZING", "on_b|INITIALIZING"), statuses(url));
        }
    }

    static List<String> statuses(String url) throws Exception {
        return column(url, "SELECT pgt_name || '|' || status || coalesce('|' || last_error, '') "
                + "FROM pgtrickle.pgt_stream_tables ORDER BY pgt_name");
    }
}
