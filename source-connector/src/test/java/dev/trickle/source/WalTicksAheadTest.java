package dev.trickle.source;

import static dev.trickle.source.AheadTransactions.BAG;
import static dev.trickle.source.AheadTransactions.ORDERS;
import static dev.trickle.source.AheadTransactions.ROWS;
import static dev.trickle.source.AheadTransactions.assertWholeTransactionsAndEveryChangeOnce;
import static dev.trickle.source.AheadTransactions.tickMillis;
import static dev.trickle.source.AheadTransactions.transactions;
import static dev.trickle.source.AheadTransactions.write;
import static dev.trickle.source.AheadTransactions.writeAndTakeAhead;
import static dev.trickle.source.AheadTransactions.ids;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WAL ticks taken ahead while the decoder lags (held back by {@link DebeziumWal#beforeBatch}): each tick's snapshot
 * is taken on time with its own WAL marker, so that every tick holds what one interval brought, not the backlog.
 * The test writes one transaction, then polls until the ticker took one more snapshot: a tick on time then holds
 * exactly one transaction. Orders are captured from the WAL and bag by triggers (then each switches while ticks are
 * held): every transaction writes the same ids into both, so a tick that is one snapshot of both has the same ids
 * on both topics.
 */
class WalTicksAheadTest {
    private static final String SNAPSHOT_SESSIONS =
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'trickle-source tick snapshots'";

    /**
     * Long enough that the snapshots the task's timer takes every interval while the test writes and polls do not run
     * out ({@link SnapshotQueue#DEFAULT_DEPTH} intervals) before the test is done writing.
     */
    private static final int INTERVAL_MS = 200;

    private final WalDatabases databases = new WalDatabases();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch blocking = new CountDownLatch(1);

    @AfterEach
    void cleanUp() throws Exception {
        releaseDecoder();
        databases.dropSlots();
    }

    private String setUp(String hint) throws Exception {
        String url = databases.create(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'trigger')",
                // one stream table over a WAL-captured and a trigger-captured source
                "SELECT pgtrickle.create_stream_table('og', 'SELECT o.id, b.b FROM orders o JOIN bag b ON b.a = o.id')");
        assertEquals("trigger,wal", one(url, "SELECT string_agg(DISTINCT cdc_mode, ',' ORDER BY cdc_mode) "
                + "FROM pgtrickle.list_sources('og')"));
        return url;
    }

    private static TaskHarness harness(String url, Map<String, Object> offset) {
        return new TaskHarness(url, Map.of(SourceConfig.TICK_INTERVAL_MS, String.valueOf(INTERVAL_MS)), offset, true)
                .withTimer();
    }

    /**
     * Every batch of decoded events waits until {@link #releaseDecoder}; returns once the decoder waits (the ticks
     * polled meanwhile write markers it meets). Ticks held ahead before may still complete: their markers were
     * passed; no marker written from now on is.
     */
    private void holdDecoder(TaskHarness h, List<TaskHarness.Tick> ticks) throws Exception {
        DebeziumWal.beforeBatch = () -> {
            blocking.countDown();
            try {
                release.await(3 * TaskHarness.DEADLINE_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        h.pollUntil(() -> blocking.getCount() == 0 && h.task.snapshotsHeld() > 0, ticks, "the decoder waits");
    }

    private void releaseDecoder() {
        DebeziumWal.beforeBatch = null;
        release.countDown();
    }

    /** Polls (the decoder held back) until a tick would have been due {@code due} more times. */
    private static void pollWhileDue(TaskHarness h, int due, List<TaskHarness.Tick> ticks) throws Exception {
        long until = System.currentTimeMillis() + due * (long) INTERVAL_MS;
        h.pollUntil(() -> System.currentTimeMillis() > until, ticks, "polls");
    }

    /** Ticks until one whose snapshot was taken after {@code millis}, adding every tick to {@code ticks}. */
    private static void tickPast(String url, TaskHarness h, long millis, List<TaskHarness.Tick> ticks) throws Exception {
        while (true) {
            TaskHarness.Tick t = h.nextTick();
            ticks.add(t);
            if (tickMillis(url, t.tick) > millis) {
                return;
            }
        }
    }

    /** Ticks that hold exactly one writer transaction, and were taken before {@code millis}. */
    private static long singleTransactionTicksTakenBefore(String url, List<TaskHarness.Tick> ticks, long millis)
            throws SQLException {
        long n = 0;
        for (TaskHarness.Tick t : ticks) {
            if (transactions(t).size() == 1 && tickMillis(url, t.tick) < millis) {
                n++;
            }
        }
        return n;
    }

    @Test
    void ticksTakenAheadWhileTheDecoderLagsHoldOneIntervalEachAlsoAcrossCaptureSwitches() throws Exception {
        String url = setUp("walahead");
        int written = 24;
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        long releasedAt;
        try (TaskHarness h = harness(url, null)) {
            ticks.add(h.nextTick()); // WAL capture starts: ticks read WAL sources once its slot exists
            holdDecoder(h, ticks);
            for (int i = 0; i < written; i++) {
                if (i == written / 3) {
                    exec(url, "SELECT * FROM pgtrickle.set_source_cdc_mode('bag', 'wal')");
                } else if (i == 2 * written / 3) {
                    exec(url, "SELECT * FROM pgtrickle.set_source_cdc_mode('orders', 'trigger')");
                }
                writeAndTakeAhead(url, h, i, ticks);
            }
            assertTrue(h.task.snapshotsHeld() > written, "the ticks of all transactions are held ahead");
            releasedAt = System.currentTimeMillis();
            releaseDecoder();
            tickPast(url, h, releasedAt, ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        for (TaskHarness.Tick t : ticks) {
            assertTrue(transactions(t).size() <= 1, "tick " + t.tick + " holds one interval: " + transactions(t));
        }
        assertEquals(written, singleTransactionTicksTakenBefore(url, ticks, releasedAt),
                "each transaction in a tick of its own, taken while the decoder was held back");
    }

    @Test
    void whenTheHeldSnapshotsRunOutTheTicksAreLateAndTheNextCarriesOnlyWhatCameMeanwhile() throws Exception {
        String url = setUp("walaheadfull");
        int onTime = 3;
        int late = 3;
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        long releasedAt;
        try (TaskHarness h = harness(url, null)) {
            ticks.add(h.nextTick());
            holdDecoder(h, ticks);
            for (int i = 0; i < onTime; i++) {
                writeAndTakeAhead(url, h, i, ticks);
            }
            // the timer goes on taking a snapshot every interval until the held ones run out
            h.pollUntil(() -> h.task.snapshotsHeld() == SnapshotQueue.DEFAULT_DEPTH, ticks, "the held snapshots run out");
            assertEquals(SnapshotQueue.DEFAULT_DEPTH, h.task.snapshotsHeld());
            int sessions = Integer.parseInt(one(url, SNAPSHOT_SESSIONS));
            // the oldest holder may have had some of its snapshots imported already
            assertTrue(sessions <= SnapshotQueue.DEFAULT_DEPTH / SnapshotQueue.PER_HOLDER + 1,
                    sessions + " sessions hold " + SnapshotQueue.DEFAULT_DEPTH + " snapshots");
            for (int i = onTime; i < onTime + late; i++) {
                write(url, i);
                pollWhileDue(h, 3, ticks);
                assertEquals(SnapshotQueue.DEFAULT_DEPTH, h.task.snapshotsHeld(), "no more are held");
            }
            releasedAt = System.currentTimeMillis();
            releaseDecoder();
            tickPast(url, h, releasedAt, ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        assertEquals(onTime, singleTransactionTicksTakenBefore(url, ticks, releasedAt));
        List<TreeSet<Integer>> larger = ticks.stream().map(t -> transactions(t)).filter(s -> s.size() > 1)
                .toList();
        TreeSet<Integer> meanwhile = new TreeSet<>();
        for (int i = onTime; i < onTime + late; i++) {
            meanwhile.add(i);
        }
        assertEquals(List.of(meanwhile), larger, "one late tick, with what came while the held snapshots ran out");
    }

    /**
     * A task stopped while ticks wait for the decoder, snapshots held ahead and Kafka holding only the first tick:
     * the recorded ticks are sent again as they were, the held snapshots go with their sessions, and every change
     * arrives exactly once.
     */
    @Test
    void aTaskStoppedWithWalTicksHeldAheadReplaysAndLosesNothing() throws Exception {
        String url = setUp("walaheadstop");
        List<TaskHarness.Tick> first = new ArrayList<>();
        long committed;
        try (TaskHarness a = harness(url, null)) {
            first.add(a.nextTick());
            a.acknowledge(first.get(0));
            committed = first.get(0).tick;
            for (int i = 0; i < 2; i++) {
                write(url, i);
                TaskHarness.Tick t;
                do {
                    t = a.nextTick();
                    first.add(t);
                } while (transactions(t).isEmpty());
            }
            holdDecoder(a, first);
            for (int i = 2; i < 8; i++) {
                writeAndTakeAhead(url, a, i, first);
            }
            assertTrue(a.task.snapshotsHeld() >= 6, "the ticks of the last transactions are held ahead");
            releaseDecoder(); // the decoder goes on, but no tick is polled for before the task stops
        }
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        while (!"0".equals(one(url, SNAPSHOT_SESSIONS))) {
            assertTrue(System.currentTimeMillis() < deadline, "the held snapshots' sessions end with the task");
            Thread.sleep(50); // a closed session's backend exits a moment later
        }
        List<TaskHarness.Tick> ticks = new ArrayList<>(first.subList(0, 1));
        long restartedAt = System.currentTimeMillis();
        try (TaskHarness b = harness(url, Map.of("tick", committed))) {
            for (TaskHarness.Tick sent : first.subList(1, first.size())) {
                TaskHarness.Tick again = b.nextTick();
                assertEquals(sent.tick, again.tick);
                assertEquals(sent.changes(ORDERS), again.changes(ORDERS), "tick " + sent.tick + " sent again as it was");
                assertEquals(sent.changes(BAG), again.changes(BAG));
                ticks.add(again);
            }
            tickPast(url, b, restartedAt, ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        assertEquals(8, ticks.stream().mapToInt(t -> transactions(t).size()).sum(), "every transaction once");
    }
}
