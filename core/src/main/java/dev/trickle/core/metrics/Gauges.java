package dev.trickle.core.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trickle's metrics as gauges read when JMX (or any metrics reporter) asks, on a Kafka metrics registry: a
 * connector task's {@link PluginMetrics} or the streams app's {@link Metrics}. Counters are gauges over running
 * totals, so that Prometheus takes rates and averages from them, rather than sampled windows. Metrics of a
 * stream table or source that went away are removed by its name.
 */
public final class Gauges implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gauges.class);

    /** The three operations both registries have. */
    private interface Registry {
        MetricName name(String name, String description, LinkedHashMap<String, String> tags);

        void add(MetricName name, Gauge<?> gauge);

        void remove(MetricName name);
    }

    private final Registry registry;
    /** Registered metrics per tag value ("" for the untagged ones). */
    private final Map<String, List<MetricName>> registered = new HashMap<>();

    private Gauges(Registry registry) {
        this.registry = registry;
    }

    /** Nothing is registered: a Connect runtime without plugin metrics (before 4.1), or a test's fake context. */
    public static final Gauges NONE = new Gauges(null);

    /** {@code metrics()} is the task context's {@code pluginMetrics}: called here, as older runtimes lack it. */
    public static Gauges ofPlugin(Supplier<PluginMetrics> metrics) {
        PluginMetrics pm;
        try {
            pm = metrics.get();
        } catch (NoSuchMethodError | AbstractMethodError | UnsupportedOperationException e) {
            LOG.info("This Connect runtime has no plugin metrics (Kafka 4.1 or later has them): Trickle's metrics "
                    + "are not registered");
            return NONE;
        }
        if (pm == null) {
            return NONE;
        }
        return new Gauges(new Registry() {
            @Override
            public MetricName name(String name, String description, LinkedHashMap<String, String> tags) {
                return pm.metricName(name, description, tags);
            }

            @Override
            public void add(MetricName name, Gauge<?> gauge) {
                pm.addMetric(name, gauge);
            }

            @Override
            public void remove(MetricName name) {
                pm.removeMetric(name);
            }
        });
    }

    public static Gauges of(Metrics metrics, String group) {
        return new Gauges(new Registry() {
            @Override
            public MetricName name(String name, String description, LinkedHashMap<String, String> tags) {
                return metrics.metricName(name, group, description, tags);
            }

            @Override
            public void add(MetricName name, Gauge<?> gauge) {
                metrics.addMetric(name, gauge);
            }

            @Override
            public void remove(MetricName name) {
                metrics.removeMetric(name);
            }
        });
    }

    /** Registers {@code metric} for {@code tagValue} (ignored for untagged metrics), read from {@code value}. */
    public synchronized void add(TrickleMetric metric, String tagValue, Supplier<? extends Number> value) {
        if (registry == null) {
            return;
        }
        String key = metric.tag == null ? "" : tagValue;
        MetricName name = registry.name(metric.metricName, metric.description, metric.tags(tagValue));
        registry.add(name, (Gauge<Number>) (config, now) -> value.get());
        registered.computeIfAbsent(key, k -> new ArrayList<>()).add(name);
    }

    public synchronized boolean has(String tagValue) {
        return registered.containsKey(tagValue);
    }

    /** Removes the metrics of a stream table or source. */
    public synchronized void remove(String tagValue) {
        List<MetricName> names = registered.remove(tagValue);
        if (names != null && registry != null) {
            names.forEach(registry::remove);
        }
    }

    public synchronized List<String> tagValues() {
        List<String> out = new ArrayList<>(registered.keySet());
        out.remove("");
        return out;
    }

    @Override
    public synchronized void close() {
        for (String key : new ArrayList<>(registered.keySet())) {
            remove(key);
        }
    }
}
