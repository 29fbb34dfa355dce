package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.metrics.TrickleMetric;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
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
 * The sink task's metrics as a JMX client reads them: registered through Connect's plugin metrics as a worker
 * does it (domain kafka.connect, group plugins, connector and task tags), one MBean per stream table, moving with
 * what the task applies to a real PostgreSQL.
 */
class SinkMetricsTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private SinkHarness h;
    private Metrics metrics;
    private String connector;

    @BeforeEach
    void start() {
        h = new SinkHarness("sink_metrics");
        connector = "sink-metrics-" + System.nanoTime();
        // what Connect's worker does for a task (ConnectMetrics: the kafka.connect JMX domain, connector and task)
        metrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
        h.task.stop();
        h.context.pluginMetrics = new PluginMetricsImpl(metrics, Map.of("connector", connector, "task", "0"));
        h.task = h.newTask();
    }

    @AfterEach
    void stop() {
        h.close();
        metrics.close();
    }

    private ObjectName bean(String streamTable) throws Exception {
        Hashtable<String, String> props = new Hashtable<>(
                TrickleMetric.SINK_APPLIED_TICK.mbeanTags(Map.of("connector", connector, "task", "0"), streamTable));
        return new ObjectName("kafka.connect", props);
    }

    private double read(String streamTable, TrickleMetric m) throws Exception {
        return ((Number) JMX.getAttribute(bean(streamTable), m.metricName)).doubleValue();
    }

    @Test
    void metricsFollowTheTicksAStreamTableIsGiven() throws Exception {
        h.exec("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount numeric(10,2))");
        long id = h.createStreamTable("order_totals", "SELECT customer, sum(amount) AS total FROM orders GROUP BY customer");
        String t = TopicNames.delta("trickle", "public", "order_totals");
        assertFalse(JMX.isRegistered(bean("public.order_totals")), "no MBean before the stream table's first tick");

        h.put(h.row(t, 0, 1, 1, "1", "15.00"), h.row(t, 0, 1, 1, "2", "7.00"), h.end(t, 1, id, true));
        assertEquals(1, read("public.order_totals", TrickleMetric.SINK_APPLIED_TICK));
        assertEquals(2, read("public.order_totals", TrickleMetric.SINK_ROWS_LAST));
        assertEquals(0, read("public.order_totals", TrickleMetric.SINK_STATUS));

        // an update (a row out, a row in), then a tick whose end has not arrived: received but not applied
        h.put(h.row(t, 0, 2, -1, "1", "15.00"), h.row(t, 0, 2, 1, "1", "16.00"), h.end(t, 2, id, false),
                h.row(t, 0, 3, 1, "3", "1.00"));
        assertEquals(2, read("public.order_totals", TrickleMetric.SINK_APPLIED_TICK));
        assertEquals(2, read("public.order_totals", TrickleMetric.SINK_ROWS_LAST));
        assertEquals(4, read("public.order_totals", TrickleMetric.SINK_ROWS_TOTAL));
        assertEquals(4, read("public.order_totals", TrickleMetric.SINK_ROWS_RECEIVED_TOTAL), "tick 3 is not applied yet");
        assertEquals(2, read("public.order_totals", TrickleMetric.SINK_TICKS_TOTAL));
        assertEquals(1, read("public.order_totals", TrickleMetric.SINK_LAG_TICKS));
        h.put(h.end(t, 3, id, false));
        assertEquals(3, read("public.order_totals", TrickleMetric.SINK_APPLIED_TICK));
        assertEquals(0, read("public.order_totals", TrickleMetric.SINK_LAG_TICKS));
        assertEquals(Long.parseLong(h.one("SELECT sum(rows_inserted + rows_deleted) FROM pgtrickle.pgt_refresh_history"
                + " WHERE pgt_id = " + id)), read("public.order_totals", TrickleMetric.SINK_ROWS_TOTAL),
                "the rows counted are the rows the refresh history says were written");
        // the harness's tick 3 was taken at TICK_MILLIS + 3 s, long ago: the data is that old
        double lag = read("public.order_totals", TrickleMetric.SINK_LAG_SECONDS);
        double expected = (System.currentTimeMillis() - SinkHarness.TICK_MILLIS - 3000) / 1000.0;
        assertTrue(Math.abs(lag - expected) < 60, "lag-seconds " + lag + ", expected about " + expected);
        assertTrue(read("public.order_totals", TrickleMetric.SINK_APPLY_MS_TOTAL) > 0);
        assertEquals(0, read("public.order_totals", TrickleMetric.SINK_ERRORS_TOTAL));
        // two ticks applied together, the second taking out the first's row: received, never written
        h.put(h.row(t, 0, 4, 1, "4", "1.00"), h.end(t, 4, id, false), h.row(t, 0, 5, -1, "4", "1.00"),
                h.end(t, 5, id, false));
        assertEquals(5, read("public.order_totals", TrickleMetric.SINK_APPLIED_TICK));
        assertEquals(5 + 2, read("public.order_totals", TrickleMetric.SINK_ROWS_RECEIVED_TOTAL));
        assertEquals(5, read("public.order_totals", TrickleMetric.SINK_ROWS_TOTAL));
        assertEquals(expectedAttributes(), attributes(bean("public.order_totals")),
                "the attributes are the documented sink metrics");
    }

    @Test
    void aStreamTableThatGoesToErrorCountsTheErrorAndShowsItsState() throws Exception {
        h.exec("CREATE TABLE letters (c text)");
        long id = h.createStreamTable("letter_copy", "SELECT c FROM letters");
        String t = TopicNames.delta("trickle", "public", "letter_copy");
        h.put(h.row(t, 0, 1, 1, "a"), h.end(t, 1, id, true));
        // deleting two copies of a row that is there once: the stream table goes to ERROR
        h.put(h.row(t, 0, 2, -2, "a"), h.end(t, 2, id, false));
        assertEquals("ERROR", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals(1, read("public.letter_copy", TrickleMetric.SINK_ERRORS_TOTAL));
        assertEquals(1, read("public.letter_copy", TrickleMetric.SINK_STATUS));
        assertEquals(1, read("public.letter_copy", TrickleMetric.SINK_APPLIED_TICK), "it stays at its last good tick");

        // a new fill makes it ACTIVE again
        h.exec("INSERT INTO letters VALUES ('a')");
        h.put(h.row(t, 0, 3, 1, "a"), h.end(t, 3, id, true));
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals(0, read("public.letter_copy", TrickleMetric.SINK_STATUS));
        assertEquals(3, read("public.letter_copy", TrickleMetric.SINK_APPLIED_TICK));
    }

    @Test
    void aStoppedTaskLeavesNoMBeanBehind() throws Exception {
        h.exec("CREATE TABLE words (w text)");
        long id = h.createStreamTable("word_copy", "SELECT w FROM words");
        String t = TopicNames.delta("trickle", "public", "word_copy");
        h.put(h.row(t, 0, 1, 1, "x"), h.end(t, 1, id, true));
        assertTrue(JMX.isRegistered(bean("public.word_copy")));
        h.task.stop();
        assertFalse(JMX.isRegistered(bean("public.word_copy")));
        h.task = h.newTask();
    }

    private static Set<String> expectedAttributes() {
        Set<String> names = new HashSet<>();
        TrickleMetric.of(TrickleMetric.Component.SINK).forEach(m -> names.add(m.metricName));
        return names;
    }

    private static Set<String> attributes(ObjectName name) throws Exception {
        Set<String> names = new HashSet<>();
        for (MBeanAttributeInfo a : JMX.getMBeanInfo(name).getAttributes()) {
            names.add(a.getName());
        }
        return names;
    }
}
