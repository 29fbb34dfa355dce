package dev.trickle.source;

import static dev.trickle.source.AheadTransactions.ids;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Ticks whose snapshot is taken on time while the tick before is still handed out (small batches make every tick
 * span many polls, as a large tick does under flat-out writers): each tick is still one snapshot, every change
 * arrives once, and a fill due while snapshots are held ahead is made once.
 */
class PipelinedTicksTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    private static final String BAG = TopicNames.changes("trickle", "public", "bag");
    private static final String ITEMS = TopicNames.changes("trickle", "public", "items");
    private static final int ROWS = 100;
    private static final String SNAPSHOT_SESSIONS =
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'trickle-source tick snapshots'";

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag')");
        return url;
    }

    private static TaskHarness harness(String url) {
        return new TaskHarness(url, Map.of(SourceConfig.BATCH_SIZE, "7", SourceConfig.TICK_INTERVAL_MS, "20"),
                null, true).withTimer();
    }

    /**
     * Each transaction writes the same ids into both tables (and sometimes deletes an earlier transaction's from
     * both): a tick that is one snapshot has the same signed ids on both topics.
     */
    private static void write(String url, int transactions, AtomicBoolean failed) {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = 0; i < transactions && !failed.get(); i++) {
                // 100 rows a transaction: a tick holds hundreds of records, far more than a poll's batch of 7
                int from = i * ROWS;
                s.execute("INSERT INTO orders SELECT g, 'n' FROM generate_series(" + from + ", " + (from + ROWS - 1) + ") g");
                s.execute("INSERT INTO bag SELECT g, 'n' FROM generate_series(" + from + ", " + (from + ROWS - 1) + ") g");
                if (i % 3 == 2) {
                    int earlier = from - ROWS;
                    s.execute("DELETE FROM orders WHERE id BETWEEN " + earlier + " AND " + (earlier + ROWS / 2 - 1));
                    s.execute("DELETE FROM bag WHERE a BETWEEN " + earlier + " AND " + (earlier + ROWS / 2 - 1));
                }
                c.commit();
            }
        } catch (SQLException e) {
            failed.set(true);
            throw new IllegalStateException(e);
        }
    }

    @Test
    void snapshotsTakenAheadKeepEveryTickOneSnapshotAndEveryChangeOnce() throws Exception {
        String url = setUp("ahead");
        AtomicBoolean failed = new AtomicBoolean();
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        Map<Long, Long> completedAt = new HashMap<>();
        Thread writer = new Thread(() -> write(url, 40, failed));
        try (TaskHarness h = harness(url)) {
            writer.start();
            while (writer.isAlive()) {
                TaskHarness.Tick t = h.nextTick();
                completedAt.put(t.tick, System.currentTimeMillis());
                ticks.add(t);
            }
            tickPastTheWriter(url, h, writer, ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, failed, ticks);
        // the point of it: some tick's snapshot was taken before the tick before it was completely handed out
        int ahead = 0;
        for (TaskHarness.Tick t : ticks) {
            Long before = completedAt.get(t.tick - 1);
            if (before != null && tickMillis(url, t.tick) < before) {
                ahead++;
            }
        }
        assertTrue(ahead > 0, "no tick's snapshot was taken while the tick before was handed out");
    }

    @Test
    void aFillDueWhileSnapshotsAreHeldAheadIsMadeOnce() throws Exception {
        String url = setUp("aheadfill");
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int)",
                "INSERT INTO items SELECT g, g % 3 FROM generate_series(1, 400) g",
                "SELECT pgtrickle.create_stream_table('i', 'SELECT * FROM items')",
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, needs_init = false, init_tick = 0 "
                        + "WHERE pgt_name IN ('o', 'g')");
        long pgtId = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'i'"));
        AtomicBoolean failed = new AtomicBoolean();
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        Thread writer = new Thread(() -> write(url, 20, failed));
        try (TaskHarness h = harness(url)) {
            writer.start();
            ticks.add(h.nextTick());
            exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true WHERE pgt_id = " + pgtId);
            long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            // the fill tick (400 rows in batches of 7) spans many tick intervals: snapshots are taken ahead of it
            while (ticks.stream().noneMatch(t -> !t.rows(ITEMS, pgtId).isEmpty())
                    || ticks.size() < 8 || writer.isAlive()) {
                assertTrue(System.currentTimeMillis() < deadline, "the fill and 8 ticks within the deadline");
                ticks.add(h.nextTick());
            }
            for (int i = 0; i < SnapshotQueue.DEFAULT_DEPTH + 1; i++) {
                ticks.add(h.nextTick());
            }
        }
        writer.join();
        List<Long> fillTicks = ticks.stream().filter(t -> !t.recordsOf(ChangeRecord.Init.class).isEmpty())
                .map(t -> t.tick).toList();
        assertEquals(1, fillTicks.size(), "one fill, at one tick: " + fillTicks);
        TaskHarness.Tick fill = ticks.stream().filter(t -> t.tick == fillTicks.get(0)).findFirst().orElseThrow();
        assertEquals(400, fill.rows(ITEMS, pgtId).size());
        assertEquals(String.valueOf(fill.tick), one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_id = " + pgtId));
        assertTrue(!failed.get(), "the writer ran");
    }

    /**
     * A task stopped while snapshots are held ahead, Kafka holding only the first ticks: the recorded ticks are sent
     * again as they were, the held snapshots are gone with their sessions, and every change arrives exactly once.
     */
    @Test
    void aTaskStoppedWithSnapshotsHeldAheadReplaysAndLosesNothing() throws Exception {
        String url = setUp("aheadcrash");
        AtomicBoolean failed = new AtomicBoolean();
        List<TaskHarness.Tick> first = new ArrayList<>();
        Thread writer = new Thread(() -> write(url, 40, failed));
        writer.start();
        try (TaskHarness a = harness(url)) {
            while (first.size() < 6) {
                first.add(a.nextTick());
            }
            // one more poll: the next tick is under way, with snapshots held ahead of it (batches of 7)
            a.task.poll();
            assertTrue(Integer.parseInt(one(url, SNAPSHOT_SESSIONS)) > 0, "snapshots were taken ahead");
        }
        assertEquals("0", waitForNoSnapshotSessions(url), "the held snapshots' sessions end with the task");
        long committed = first.get(2).tick;
        List<TaskHarness.Tick> ticks = new ArrayList<>(first.subList(0, 3));
        try (TaskHarness b = new TaskHarness(url, Map.of(SourceConfig.BATCH_SIZE, "7",
                SourceConfig.TICK_INTERVAL_MS, "20"), Map.of("tick", committed), true)) {
            for (TaskHarness.Tick sent : first.subList(3, first.size())) {
                TaskHarness.Tick again = b.nextTick();
                assertEquals(sent.tick, again.tick);
                assertEquals(sent.changes(ORDERS), again.changes(ORDERS), "tick " + sent.tick + " sent again as it was");
                assertEquals(sent.changes(BAG), again.changes(BAG));
                ticks.add(again);
            }
            tickPastTheWriter(url, b, writer, ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, failed, ticks);
    }

    /**
     * Waits for the writer, then ticks on until a tick's snapshot was taken after it ended (snapshots taken before
     * may still be held ahead), adding every tick to {@code ticks}.
     */
    private static void tickPastTheWriter(String url, TaskHarness h, Thread writer, List<TaskHarness.Tick> ticks)
            throws Exception {
        writer.join();
        long writerDone = System.currentTimeMillis();
        while (true) {
            TaskHarness.Tick t = h.nextTick();
            ticks.add(t);
            if (tickMillis(url, t.tick) > writerDone) {
                return;
            }
        }
    }

    /** Every tick holds whole transactions of both tables, and the ticks add up to the tables (nothing lost or twice). */
    private static void assertWholeTransactionsAndEveryChangeOnce(String url, AtomicBoolean failed,
                                                                  List<TaskHarness.Tick> ticks) throws Exception {
        assertTrue(!failed.get(), "the writer ran");
        for (TaskHarness.Tick t : ticks) {
            assertEquals(ids(t, ORDERS), ids(t, BAG), "tick " + t.tick + " holds whole transactions of both tables");
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(ticks, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(ticks, BAG));
    }

    private static String waitForNoSnapshotSessions(String url) throws Exception {
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        String n = one(url, SNAPSHOT_SESSIONS);
        while (!"0".equals(n) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // a closed session's backend exits a moment later
            n = one(url, SNAPSHOT_SESSIONS);
        }
        return n;
    }

    private static long tickMillis(String url, long tick) throws SQLException {
        return Long.parseLong(one(url, "SELECT (extract(epoch FROM created_at) * 1000)::bigint FROM pgtrickle.pgt_ticks "
                + "WHERE tick_id = " + tick));
    }
}
