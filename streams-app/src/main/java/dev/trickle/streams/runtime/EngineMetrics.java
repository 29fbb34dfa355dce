package dev.trickle.streams.runtime;

import dev.trickle.core.metrics.Gauges;
import dev.trickle.core.metrics.TrickleMetric;
import dev.trickle.streams.rows.ZSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;

/**
 * The engine's metrics per stream table (see {@link TrickleMetric}), in JMX domain {@code trickle.streams}: the
 * newest tick it emitted and its age, rows in and out per tick, time in the operators, failures. One registry
 * per JVM, as MBean names are: the tasks of a stream table (one per partition of its sources) add up into one
 * set of gauges, whichever stream thread runs them, and an engine restarted with new stream tables keeps them.
 * Kafka Streams' own metrics stay where they are ({@code kafka.streams}, per thread, task and node).
 */
final class EngineMetrics {
    static final String DOMAIN = TrickleMetric.Component.STREAMS.domain;
    private static final EngineMetrics SHARED = new EngineMetrics();

    private final Metrics registry = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
            new KafkaMetricsContext(DOMAIN));
    private final Gauges gauges = Gauges.of(registry, TrickleMetric.Component.STREAMS.group);
    private final Map<String, Table> tables = new HashMap<>();

    private static final class Table {
        long tick = -1;
        volatile long tickMillis = -1;
        volatile long outputTick = -1;
        volatile long rowsInLast;
        volatile long rowsOutLast;
        volatile long rowsInTotal;
        volatile long rowsOutTotal;
        volatile long ticks;
        volatile double millisLast;
        volatile double millisTotal;
        volatile long errors;
        volatile int status;
    }

    static EngineMetrics shared() {
        return SHARED;
    }

    /**
     * A tick ran through the operators of {@code table} on one task. Rows count with their multiplicity; the
     * "last tick" figures add up the tasks that ran the same tick.
     */
    void evaluated(String table, long tick, Map<String, ? extends ZSet<?>> inputs, ZSet<?> output, long nanos) {
        long in = 0;
        for (ZSet<?> z : inputs.values()) {
            in += rows(z);
        }
        evaluated(table, tick, in, rows(output), nanos);
    }

    /** As above, with the rows counted by the caller (a stateless stream table runs its rows one by one). */
    synchronized void evaluated(String table, long tick, long in, long out, long nanos) {
        Table t = table(table);
        double millis = nanos / 1e6;
        if (tick != t.tick) {
            t.tick = tick;
            t.rowsInLast = 0;
            t.rowsOutLast = 0;
            t.millisLast = 0;
        }
        t.rowsInLast += in;
        t.rowsOutLast += out;
        t.millisLast += millis;
        t.rowsInTotal += in;
        t.rowsOutTotal += out;
        t.millisTotal += millis;
        t.ticks++;
    }

    /**
     * The tick's output delta and end marker went out. A failed stream table shows its error until a fill
     * ({@code initial}) replaces its content: another task of it (another partition of its sources) may still
     * end ticks after one task failed, until the engine restarts without it.
     */
    synchronized void emitted(String table, long tick, long tickMillis, boolean initial) {
        Table t = table(table);
        if (tick >= t.outputTick) {
            t.outputTick = tick;
            t.tickMillis = tickMillis;
        }
        if (initial) {
            t.status = 0;
        }
    }

    /** The query failed on a tick: the stream table stops in ERROR until a new fill. */
    synchronized void failed(String table) {
        Table t = table(table);
        t.errors++;
        t.status = 1;
    }

    /** Only the stream tables of the catalog keep their metrics (those of dropped ones go). */
    synchronized void retain(Collection<String> running) {
        Set<String> keep = new java.util.HashSet<>();
        running.forEach(name -> keep.add(TrickleMetric.label(name)));
        tables.keySet().removeIf(name -> {
            boolean gone = !keep.contains(name);
            if (gone) {
                gauges.remove(name);
            }
            return gone;
        });
    }

    private static long rows(ZSet<?> z) {
        long n = 0;
        for (Long w : z.asMap().values()) {
            n += Math.abs(w);
        }
        return n;
    }

    private Table table(String name) {
        return tables.computeIfAbsent(TrickleMetric.label(name), this::register);
    }

    private Table register(String name) {
        Table t = new Table();
        gauges.add(TrickleMetric.STREAMS_OUTPUT_TICK, name, () -> t.outputTick);
        gauges.add(TrickleMetric.STREAMS_LAG_SECONDS, name,
                () -> t.tickMillis < 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - t.tickMillis) / 1000.0);
        gauges.add(TrickleMetric.STREAMS_ROWS_IN_LAST, name, () -> t.rowsInLast);
        gauges.add(TrickleMetric.STREAMS_ROWS_OUT_LAST, name, () -> t.rowsOutLast);
        gauges.add(TrickleMetric.STREAMS_ROWS_IN_TOTAL, name, () -> t.rowsInTotal);
        gauges.add(TrickleMetric.STREAMS_ROWS_OUT_TOTAL, name, () -> t.rowsOutTotal);
        gauges.add(TrickleMetric.STREAMS_TICKS_TOTAL, name, () -> t.ticks);
        gauges.add(TrickleMetric.STREAMS_EVAL_MS_LAST, name, () -> t.millisLast);
        gauges.add(TrickleMetric.STREAMS_EVAL_MS_TOTAL, name, () -> t.millisTotal);
        gauges.add(TrickleMetric.STREAMS_ERRORS_TOTAL, name, () -> t.errors);
        gauges.add(TrickleMetric.STREAMS_STATUS, name, () -> t.status);
        return t;
    }
}
