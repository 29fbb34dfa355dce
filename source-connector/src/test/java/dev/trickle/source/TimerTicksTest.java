package dev.trickle.source;

import static dev.trickle.source.AheadTransactions.BAG;
import static dev.trickle.source.AheadTransactions.ORDERS;
import static dev.trickle.source.AheadTransactions.ROWS;
import static dev.trickle.source.AheadTransactions.assertWholeTransactionsAndEveryChangeOnce;
import static dev.trickle.source.AheadTransactions.tickMillis;
import static dev.trickle.source.AheadTransactions.transactions;
import static dev.trickle.source.AheadTransactions.await;
import static dev.trickle.source.AheadTransactions.ids;
import static dev.trickle.source.AheadTransactions.write;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ticks taken on time by the task's timer while its poll thread is busy elsewhere (as it is while Connect flushes
 * and commits a large tick's Kafka transaction, or while it deletes delivered buffer rows): the test, which is the
 * poll thread, does not poll for several intervals, writing one transaction per interval meanwhile. Each tick's
 * snapshot still comes an interval after the one before, each transaction is in exactly one tick, and every tick
 * is one snapshot of both tables (the same ids on both topics). In both capture modes: orders is captured from the
 * WAL in the WAL case (the timer writes each held tick's WAL marker), bag always by triggers.
 */
class TimerTicksTest {
    private static final int INTERVAL_MS = 500;
    /** Transactions written while the poll thread is busy: as many intervals without a poll. */
    private static final int WRITTEN = 5;
    private static final String TASK_SESSIONS = "SELECT count(*) FROM pg_stat_activity "
            + "WHERE datname = current_database() AND application_name LIKE 'trickle-source%'";

    private final WalDatabases databases = new WalDatabases();

    @AfterEach
    void cleanUp() throws Exception {
        databases.dropSlots();
    }

    /** Two tables, orders captured as {@code mode} says, with no initial fill to make (a fill drops held snapshots). */
    private String setUp(String hint, String mode) throws Exception {
        String url = databases.create(hint + mode);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => '" + mode + "')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'trigger')",
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, needs_init = false, init_tick = 0");
        return url;
    }

    private static TaskHarness harness(String url, Map<String, Object> offset) {
        return new TaskHarness(url, Map.of(SourceConfig.TICK_INTERVAL_MS, String.valueOf(INTERVAL_MS)), offset, true)
                .withTimer();
    }

    /**
     * The poll thread busy: no poll while transaction after transaction is written, each once the timer took the
     * snapshot after the one before (that snapshot sees the one before, the next one sees this one).
     */
    private static void writeWithoutPolling(String url, TaskHarness h, int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            AheadTransactions.writeWithoutPolling(url, h, i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"trigger", "wal"})
    void ticksComeOneIntervalApartWhileThePollThreadIsBusy(String mode) throws Exception {
        String url = setUp("timer", mode);
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        long resumed;
        try (TaskHarness h = harness(url, null)) {
            h.tickPastNow(ticks); // a live tick of the task's sessions is complete: the timer takes the ticks now
            writeWithoutPolling(url, h, 0, WRITTEN);
            resumed = System.currentTimeMillis();
            h.tickPastNow(ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        List<TaskHarness.Tick> written = ticks.stream().filter(t -> !transactions(t).isEmpty()).toList();
        assertEquals(WRITTEN, written.size(), "each transaction in a tick of its own: " + written.stream()
                .map(t -> transactions(t)).toList());
        for (int i = 0; i < WRITTEN; i++) {
            TaskHarness.Tick t = written.get(i);
            assertEquals(new TreeSet<>(List.of(i)), transactions(t), "tick " + t.tick + " holds transaction " + i);
            assertTrue(tickMillis(url, t.tick) < resumed, "tick " + t.tick + " taken while the task was not polled");
        }
        // every tick from the first transaction's to the last one's, empty ones too, an interval after the one before
        for (long tick = written.get(0).tick + 1; tick <= written.get(WRITTEN - 1).tick; tick++) {
            long gap = tickMillis(url, tick) - tickMillis(url, tick - 1);
            assertTrue(gap >= INTERVAL_MS / 2 && gap < 2 * INTERVAL_MS, "tick " + tick + " taken " + gap
                    + " ms after the one before, at an interval of " + INTERVAL_MS + " ms");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"trigger", "wal"})
    void aTaskStoppedWhileTheTimerHoldsSnapshotsLeavesNoSessionAndLosesNothing(String mode) throws Exception {
        String url = setUp("timerstop", mode);
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        try (TaskHarness a = harness(url, null)) {
            a.tickPastNow(ticks);
            writeWithoutPolling(url, a, 0, 3);
            assertTrue(Integer.parseInt(one(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                    + "'trickle-source tick snapshots'")) > 0, "the held snapshots' sessions are open");
        }
        await(() -> "0".equals(uncheckedOne(url, TASK_SESSIONS)), "no session of the stopped task left");
        // the held snapshots were never ticks: the task started again takes fresh ones, which carry their changes
        try (TaskHarness b = harness(url, Map.of("tick", ticks.get(ticks.size() - 1).tick))) {
            b.tickPastNow(ticks);
            write(url, 3);
            b.tickPastNow(ticks);
        }
        await(() -> "0".equals(uncheckedOne(url, TASK_SESSIONS)), "no session of the stopped task left");
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        assertEquals(new TreeSet<>(List.of(0, 1, 2, 3)), ticks.stream().flatMap(t -> transactions(t).stream())
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)), "every transaction in a tick");
    }

    private static String uncheckedOne(String url, String sql) {
        try {
            return one(url, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
