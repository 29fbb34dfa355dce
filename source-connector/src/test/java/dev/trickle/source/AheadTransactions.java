package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The writer of the tests of ticks taken ahead (trigger and WAL capture) over tables {@code orders (id, ...)} and
 * {@code bag (a, ...)}: numbered transactions whose ids tell which transaction wrote a row, and a tick's signed
 * ids per topic, by which a tick is checked to hold whole transactions of both tables.
 */
final class AheadTransactions {
    /** Rows of a writer transaction; transaction i writes ids i * ROWS and on. */
    static final int ROWS = 10;
    static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    static final String BAG = TopicNames.changes("trickle", "public", "bag");

    private AheadTransactions() {
    }

    /** Transaction {@code i}: ROWS new ids into both tables; every third also deletes half of the one before. */
    static void write(String url, int i) throws SQLException {
        int from = i * ROWS;
        List<String> sql = new ArrayList<>(List.of("BEGIN",
                "INSERT INTO orders SELECT g, 'n' FROM generate_series(" + from + ", " + (from + ROWS - 1) + ") g",
                "INSERT INTO bag SELECT g, 'n' FROM generate_series(" + from + ", " + (from + ROWS - 1) + ") g"));
        if (i % 3 == 2) {
            int earlier = from - ROWS;
            sql.add("DELETE FROM orders WHERE id BETWEEN " + earlier + " AND " + (earlier + ROWS / 2 - 1));
            sql.add("DELETE FROM bag WHERE a BETWEEN " + earlier + " AND " + (earlier + ROWS / 2 - 1));
        }
        sql.add("COMMIT");
        exec(url, sql.toArray(String[]::new));
    }

    /** Writes transaction {@code i}, then polls until the ticker holds one more snapshot (it sees {@code i}). */
    static void writeAndTakeAhead(String url, TaskHarness h, int i, List<TaskHarness.Tick> ticks) throws Exception {
        write(url, i);
        int held = h.task.snapshotsHeld();
        h.pollUntil(() -> h.task.snapshotsHeld() > held, ticks, "a snapshot taken ahead after transaction " + i);
    }

    /**
     * Writes transaction {@code i} without polling the task (its poll thread busy elsewhere), then waits until its
     * timer took one more snapshot (it sees {@code i}).
     */
    static void writeWithoutPolling(String url, TaskHarness h, int i) throws Exception {
        write(url, i);
        int held = h.task.snapshotsHeld();
        await(() -> h.task.snapshotsHeld() > held, "the timer took a tick's snapshot after transaction " + i
                + " while the task was not polled");
    }

    /** Waits for {@code done} (checked every 10 ms) up to the harness's deadline. */
    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(what + ": not within " + TaskHarness.DEADLINE_MS + " ms");
            }
            Thread.sleep(10); // polling a condition, with a deadline
        }
    }

    /** Signed counts of the first column's values on one topic (change rows only). */
    static Map<String, Long> ids(TaskHarness.Tick t, String topic) {
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < t.records.size(); i++) {
            if (t.records.get(i).topic().equals(topic) && t.decoded.get(i) instanceof ChangeRecord.Row row
                    && row.streamTable() == null) {
                out.merge(row.values().values().iterator().next(), (long) row.weight(), Long::sum);
            }
        }
        out.values().removeIf(n -> n == 0);
        return out;
    }

    /** The writer transactions (by number) whose inserts a tick holds. */
    static TreeSet<Integer> transactions(TaskHarness.Tick t) {
        return transactions(t, Integer.MAX_VALUE);
    }

    /** As {@link #transactions(TaskHarness.Tick)}, counting only ids below {@code idsBelow} (other writers' rows above). */
    static TreeSet<Integer> transactions(TaskHarness.Tick t, int idsBelow) {
        TreeSet<Integer> out = new TreeSet<>();
        for (int i = 0; i < t.records.size(); i++) {
            if (t.records.get(i).topic().equals(ORDERS) && t.decoded.get(i) instanceof ChangeRecord.Row row
                    && row.streamTable() == null && row.weight() > 0) {
                int id = Integer.parseInt(row.values().get("id"));
                if (id < idsBelow) {
                    out.add(id / ROWS);
                }
            }
        }
        return out;
    }

    /** Every tick holds whole transactions of both tables, and the ticks add up to the tables. */
    static void assertWholeTransactionsAndEveryChangeOnce(String url, List<TaskHarness.Tick> ticks) throws Exception {
        for (TaskHarness.Tick t : ticks) {
            assertEquals(ids(t, ORDERS), ids(t, BAG), "tick " + t.tick + " holds whole transactions of both tables");
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(ticks, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(ticks, BAG));
    }

    /** When a tick's snapshot was taken ({@code pgt_ticks.created_at}), in epoch milliseconds. */
    static long tickMillis(String url, long tick) throws SQLException {
        return Long.parseLong(one(url, "SELECT (extract(epoch FROM created_at) * 1000)::bigint FROM pgtrickle.pgt_ticks "
                + "WHERE tick_id = " + tick));
    }
}
