package dev.trickle.source;

import static dev.trickle.source.AheadTransactions.BAG;
import static dev.trickle.source.AheadTransactions.ORDERS;
import static dev.trickle.source.AheadTransactions.ROWS;
import static dev.trickle.source.AheadTransactions.assertWholeTransactionsAndEveryChangeOnce;
import static dev.trickle.source.AheadTransactions.tickMillis;
import static dev.trickle.source.AheadTransactions.transactions;
import static dev.trickle.source.AheadTransactions.write;
import static dev.trickle.source.AheadTransactions.await;
import static dev.trickle.source.AheadTransactions.writeWithoutPolling;
import static dev.trickle.source.AheadTransactions.ids;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.metrics.TrickleMetric;
import dev.trickle.core.records.ChangeRecord;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Trigger-captured ticks taken on time while the task is behind: one large tick is handed out a record per poll
 * (as a tick of flat-out writers leaves the task slower than the ticks come), and meanwhile the test writes one
 * transaction, then (not polling: the poll thread busy) waits until the task's timer took one more snapshot. Each tick taken meanwhile then holds
 * exactly that one transaction, far more of them than the three trigger capture held until session 12. Every
 * transaction writes the same ids into two tables, so a tick that is one snapshot has the same ids on both topics.
 */
class TriggerTicksAheadTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    /** The large tick's rows per table, with ids from BULK_FROM: a record per poll, it is handed out for long. */
    private static final int BULK = 10_000;
    private static final int BULK_FROM = 1_000_000;
    /** What trigger capture held ahead at most before session 12. */
    private static final int OLD_DEPTH = 3;
    /**
     * Long enough that the snapshots the task's timer takes every interval while the test writes do not run out
     * ({@link SnapshotQueue#DEFAULT_DEPTH} intervals) before it is done writing.
     */
    private static final int INTERVAL_MS = 100;

    private final String connector = "trigger-ahead-" + System.nanoTime();
    private Metrics metrics;

    @BeforeEach
    void start() {
        metrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
    }

    @AfterEach
    void stop() {
        metrics.close();
    }

    /** Two tables whose stream tables are filled already, and the large transaction committed. */
    private String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag')",
                // no initial fill (it would drop the held snapshots): the first tick is the large one
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, needs_init = false, init_tick = 0",
                "BEGIN",
                "INSERT INTO orders SELECT g, 'bulk' FROM generate_series(" + BULK_FROM + ", " + (BULK_FROM + BULK - 1) + ") g",
                "INSERT INTO bag SELECT g, 'bulk' FROM generate_series(" + BULK_FROM + ", " + (BULK_FROM + BULK - 1) + ") g",
                "COMMIT");
        return url;
    }

    /** A record per poll, so that the large tick spans many intervals; {@code ahead}: tick.snapshots.ahead. */
    private TaskHarness harness(String url, Integer ahead) {
        Map<String, String> props = new HashMap<>(Map.of(SourceConfig.BATCH_SIZE, "1",
                SourceConfig.TICK_INTERVAL_MS, String.valueOf(INTERVAL_MS)));
        if (ahead != null) {
            props.put(SourceConfig.TICK_SNAPSHOTS_AHEAD, ahead.toString());
        }
        return new TaskHarness(url, props, null, true,
                new PluginMetricsImpl(metrics, Map.of("connector", connector, "task", "0"))).withTimer();
    }

    /** Polls until the first tick, the large one, is under way with a snapshot held ahead of it (its tick empty). */
    private static void startLargeTick(TaskHarness h, List<TaskHarness.Tick> ticks) throws Exception {
        h.pollUntil(() -> h.task.snapshotsHeld() > 0, ticks, "a snapshot taken ahead of the large tick");
    }

    @Test
    void aTaskBehindTakesEveryTickOnTimeFarPastTheOldThree() throws Exception {
        String url = setUp("trigahead");
        int written = 4 * OLD_DEPTH;
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        long largeDone;
        try (TaskHarness h = harness(url, null)) {
            startLargeTick(h, ticks);
            // the large tick stays under way: no poll (the poll thread busy with it) while the timer takes ticks
            for (int i = 0; i < written; i++) {
                writeWithoutPolling(url, h, i);
            }
            assertEquals(List.of(), ticks.stream().filter(t -> !bulk(t).isEmpty()).toList(),
                    "the large tick is still handed out");
            // the timer takes one every interval, also between the writes: at least one for each transaction's tick
            int held = h.task.snapshotsHeld();
            assertTrue(held >= written + 1, held + " snapshots held, one for each transaction's tick at least");
            h.pollUntil(() -> true, ticks, "one more poll");
            assertTrue(readHeld() >= held, "the metric says how many are held");
            TaskHarness.Tick large = h.nextTick();
            largeDone = System.currentTimeMillis();
            ticks.add(large);
            assertEquals(2 * BULK, bulk(large).size(), "the large tick holds the large transaction, all of it");
            h.tickPastNow(ticks);
            // the large tick kept the task behind for many intervals more: the snapshots held meanwhile drain
            h.pollUntil(() -> h.task.snapshotsHeld() == 0, ticks, "the task caught up");
            assertEquals(0, readHeld(), "none held once the task caught up");
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        // the point of it: each transaction in a tick of its own, all taken on time while the large one was handed out
        List<TaskHarness.Tick> onTime = ticks.stream().filter(t -> transactions(t, BULK_FROM).size() == 1).toList();
        assertEquals(written, onTime.size(), "each transaction in a tick of its own");
        for (int i = 0; i < written; i++) {
            TaskHarness.Tick t = onTime.get(i);
            assertEquals(new TreeSet<>(List.of(i)), transactions(t, BULK_FROM), "tick " + t.tick + " holds transaction " + i);
            assertTrue(tickMillis(url, t.tick) < largeDone, "tick " + t.tick + " taken while the large tick was read");
            if (i > 0) {
                assertTrue(onTime.get(i - 1).tick < t.tick, "the ticks follow one another");
                long gap = tickMillis(url, t.tick) - tickMillis(url, t.tick - 1);
                assertTrue(gap >= INTERVAL_MS / 2 - 1, "tick " + t.tick + " taken on the interval's grid, " + gap + " ms "
                        + "after the one before");
            }
        }
    }

    @Test
    void pastTickSnapshotsAheadTheTicksAreLateAndTheNextCarriesWhatCameMeanwhile() throws Exception {
        String url = setUp("trigaheadfull");
        int ahead = 2;
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        try (TaskHarness h = harness(url, ahead)) {
            startLargeTick(h, ticks);
            // no poll (the large tick stays under way): the timer takes snapshots until tick.snapshots.ahead are held
            await(() -> h.task.snapshotsHeld() == ahead, "the held snapshots run out");
            for (int i = 0; i <= 3; i++) {
                write(url, i);
                long until = System.currentTimeMillis() + 3 * INTERVAL_MS;
                await(() -> System.currentTimeMillis() > until, "three intervals in which ticks are due");
                assertEquals(ahead, h.task.snapshotsHeld(), "no more than tick.snapshots.ahead are held");
                h.pollUntil(() -> true, ticks, "a poll (the metric's value is the poll thread's)");
                assertEquals(ahead, readHeld());
            }
            h.tickPastNow(ticks);
        }
        assertWholeTransactionsAndEveryChangeOnce(url, ticks);
        List<TreeSet<Integer>> withWrites = ticks.stream().map(t -> transactions(t, BULK_FROM))
                .filter(s -> !s.isEmpty()).toList();
        assertEquals(List.of(new TreeSet<>(List.of(0, 1, 2, 3))), withWrites,
                "the held ticks on time (taken before the writes), then one late tick with what came while no "
                + "snapshot could be held");
    }

    private double readHeld() throws Exception {
        TrickleMetric m = TrickleMetric.SOURCE_SNAPSHOTS_HELD;
        ObjectName bean = new ObjectName("kafka.connect",
                new Hashtable<>(m.mbeanTags(Map.of("connector", connector, "task", "0"), null)));
        return ((Number) JMX.getAttribute(bean, m.metricName)).doubleValue();
    }

    /** The large transaction's rows in a tick, both tables. */
    private static List<ChangeRecord.Row> bulk(TaskHarness.Tick t) {
        List<ChangeRecord.Row> out = new ArrayList<>();
        for (Object d : t.decoded) {
            if (d instanceof ChangeRecord.Row row && row.streamTable() == null
                    && Integer.parseInt(row.values().values().iterator().next()) >= BULK_FROM) {
                out.add(row);
            }
        }
        return out;
    }
}
