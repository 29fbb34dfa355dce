package dev.trickle.deploy;

import dev.trickle.core.metrics.Gauges;
import dev.trickle.core.metrics.TrickleMetric;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.utils.Time;

/**
 * A JVM with every Trickle metric registered under the MBean names the code uses (the connectors' through
 * Connect's plugin metrics in domain kafka.connect, the streams app's in its own registry), each valued at its
 * ordinal + 1: what {@link MetricsAgreementTest} runs the Prometheus JMX exporter agent on. Prints "ready" and
 * runs until its standard input closes.
 */
public final class MetricsFixture {
    static final String CONNECTOR = "trickle-fixture";
    static final String STREAM_TABLE = "public.order_totals";
    static final String SOURCE = "public.orders";

    private MetricsFixture() {
    }

    /** The tags a Connect worker gives a task's plugin metrics, in its order (ConnectMetrics.taskPluginTags). */
    private static Map<String, String> taskTags(String connector) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", connector);
        tags.put("task", "0");
        return tags;
    }

    public static void main(String[] args) throws IOException {
        Metrics connect = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
        Metrics streams = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext(TrickleMetric.Component.STREAMS.domain));
        Gauges source = Gauges.ofPlugin(() -> new PluginMetricsImpl(connect, taskTags(CONNECTOR + "-source")));
        Gauges sink = Gauges.ofPlugin(() -> new PluginMetricsImpl(connect, taskTags(CONNECTOR + "-sink")));
        Gauges engine = Gauges.of(streams, TrickleMetric.Component.STREAMS.group);
        for (TrickleMetric m : TrickleMetric.values()) {
            Gauges g = switch (m.component) {
                case SOURCE -> source;
                case SINK -> sink;
                case STREAMS -> engine;
            };
            long value = m.ordinal() + 1;
            g.add(m, m.tag == TrickleMetric.Tag.SOURCE ? SOURCE : STREAM_TABLE, () -> value);
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes our input (or goes away)
        }
        connect.close();
        streams.close();
    }
}
