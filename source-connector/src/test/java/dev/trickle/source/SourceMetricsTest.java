package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.metrics.TrickleMetric;
import java.lang.management.ManagementFactory;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The source task's metrics as a JMX client reads them (registered through Connect's plugin metrics as a worker
 * does it): the ticks it takes, and per source the changes waiting in the buffer and for how long.
 */
class SourceMetricsTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private final String connector = "source-metrics-" + System.nanoTime();
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

    private PluginMetrics pluginMetrics() {
        return new PluginMetricsImpl(metrics, Map.of("connector", connector, "task", "0"));
    }

    private ObjectName bean(TrickleMetric m, String source) throws Exception {
        return new ObjectName("kafka.connect",
                new Hashtable<>(m.mbeanTags(Map.of("connector", connector, "task", "0"), source)));
    }

    private double read(TrickleMetric m, String source) throws Exception {
        return ((Number) JMX.getAttribute(bean(m, source), m.metricName)).doubleValue();
    }

    /** Polls the task (which counts the buffers between ticks) until the metric satisfies {@code wanted}. */
    private double awaitMetric(TaskHarness h, TrickleMetric m, String source, DoublePredicate wanted) throws Exception {
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        double last = Double.NaN;
        while (System.currentTimeMillis() < deadline) {
            if (JMX.isRegistered(bean(m, source))) {
                last = read(m, source);
                if (wanted.test(last)) {
                    return last;
                }
            }
            h.task.poll();
        }
        throw new AssertionError(m.metricName + " of " + source + " is " + last + ", not as wanted, after "
                + TaskHarness.DEADLINE_MS + " ms");
    }

    @Test
    void ticksAndWaitingChangesShowPerSource() throws Exception {
        String url = TaskHarness.database("source_metrics");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')");
        // the next tick is ten minutes away once the first one is taken: changes wait for it
        try (TaskHarness h = new TaskHarness(url, Map.of(SourceConfig.TICK_INTERVAL_MS, "600000"), null, true,
                pluginMetrics())) {
            assertEquals(1, h.nextTick().tick);
            assertEquals(1, read(TrickleMetric.SOURCE_LAST_TICK, null));
            assertEquals(1, read(TrickleMetric.SOURCE_TICKS_TOTAL, null));
            assertTrue(read(TrickleMetric.SOURCE_LAST_TICK_AGE, null) < 60);
            awaitMetric(h, TrickleMetric.SOURCE_BUFFER_ROWS, "public.orders", v -> v == 0);
            assertEquals(0, read(TrickleMetric.SOURCE_CAPTURE_LAG, "public.orders"));

            exec(url, "INSERT INTO orders VALUES (1, 'a'), (2, 'b')", "UPDATE orders SET note = 'c' WHERE id = 1");
            awaitMetric(h, TrickleMetric.SOURCE_AWAITING_ROWS, "public.orders", v -> v == 4);
            assertEquals(4, read(TrickleMetric.SOURCE_BUFFER_ROWS, "public.orders"), "two inserts, an update's -old/+new");
            double lag = read(TrickleMetric.SOURCE_CAPTURE_LAG, "public.orders");
            assertTrue(lag > 0, "changes wait for a tick: capture lag " + lag);
            Thread.sleep(50); // a measured duration that must grow, not a wait for a condition
            assertTrue(read(TrickleMetric.SOURCE_CAPTURE_LAG, "public.orders") > lag, "the lag grows while they wait");
        }
        assertFalse(JMX.isRegistered(bean(TrickleMetric.SOURCE_LAST_TICK, null)), "a stopped task leaves no MBean");

        // a task taking ticks again (as after a restart) takes them: nothing waits, the lag is back to 0
        try (TaskHarness h = new TaskHarness(url, Map.of(), null, true, pluginMetrics())) {
            h.tickWhere(t -> !t.allRows().isEmpty());
            assertEquals(4, read(TrickleMetric.SOURCE_TICK_ROWS, null));
            awaitMetric(h, TrickleMetric.SOURCE_AWAITING_ROWS, "public.orders", v -> v == 0);
            assertEquals(0, read(TrickleMetric.SOURCE_CAPTURE_LAG, "public.orders"));
            assertTrue(read(TrickleMetric.SOURCE_LAST_TICK, null) >= 2);
        }
    }
}
