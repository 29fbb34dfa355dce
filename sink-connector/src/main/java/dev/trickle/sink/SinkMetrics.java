package dev.trickle.sink;

import dev.trickle.core.metrics.Gauges;
import dev.trickle.core.metrics.TrickleMetric;
import java.util.HashMap;
import java.util.Map;

/**
 * The sink task's metrics per stream table (see {@link TrickleMetric}): what it applied, how old the data is,
 * how long applying took, and failures. A stream table's metrics appear with its first applied (or skipped) tick;
 * those of a dropped one go.
 */
final class SinkMetrics implements AutoCloseable {
    private final Gauges gauges;
    private final Map<String, Table> tables = new HashMap<>();
    /** Per delta topic, the highest tick received (for lag-ticks). */
    private final Map<String, Long> received = new HashMap<>();


    private static final class Table {
        volatile String topic;
        volatile long tick = -1;
        volatile long tickMillis = -1;
        volatile long rowsLast;
        volatile long rowsTotal;
        volatile long rowsReceivedTotal;
        volatile long ticksTotal;
        volatile double applyMsLast;
        volatile double applyMsTotal;
        volatile long errors;
        volatile int status;
    }

    SinkMetrics(Gauges gauges) {
        this.gauges = gauges;
    }

    /** A record of tick {@code tick} arrived on {@code topic}. */
    synchronized void received(String topic, long tick) {
        received.merge(topic, tick, Math::max);
    }

    /** What happened to a batch of ticks of {@code topic}. */
    synchronized void applied(String topic, TickBatch batch, ApplyResult r) {
        if (r.streamTable() == null) {
            return;
        }
        if (r.outcome() == ApplyResult.Outcome.DROPPED) {
            // named by its topic: a stream table found dropped may have no catalog name any more
            received.remove(topic);
            tables.entrySet().removeIf(e -> {
                boolean gone = topic.equals(e.getValue().topic);
                if (gone) {
                    gauges.remove(e.getKey());
                }
                return gone;
            });
            return;
        }
        Table t = tables.computeIfAbsent(TrickleMetric.label(r.streamTable()), this::register);
        t.topic = topic;
        switch (r.outcome()) {
            case APPLIED, ALREADY_APPLIED -> {
                t.tick = Math.max(t.tick, batch.lastTick());
                t.tickMillis = Math.max(t.tickMillis, batch.tickMillis());
                t.status = 0;
                if (r.outcome() == ApplyResult.Outcome.APPLIED) {
                    t.rowsLast = r.inserted() + r.deleted();
                    t.rowsTotal += t.rowsLast;
                    t.rowsReceivedTotal += batch.rowsReceived();
                    t.ticksTotal += batch.size();
                    t.applyMsLast = r.millis();
                    t.applyMsTotal += r.millis();
                }
            }
            case FAILED -> {
                t.errors++;
                t.status = 1;
            }
            case NOW_SUSPENDED -> {
                t.errors++;
                t.status = 2;
            }
            case RETRY -> t.errors++;
            case AWAITING_REFRESH -> t.status = Math.max(t.status, 1);
            case SUSPENDED -> t.status = 2;
            default -> {
            }
        }
    }

    private Table register(String name) {
        Table t = new Table();
        gauges.add(TrickleMetric.SINK_APPLIED_TICK, name, () -> t.tick);
        gauges.add(TrickleMetric.SINK_LAG_SECONDS, name,
                () -> t.tickMillis < 0 ? Double.NaN : Math.max(0, System.currentTimeMillis() - t.tickMillis) / 1000.0);
        gauges.add(TrickleMetric.SINK_LAG_TICKS, name, () -> lagTicks(t));
        gauges.add(TrickleMetric.SINK_ROWS_LAST, name, () -> t.rowsLast);
        gauges.add(TrickleMetric.SINK_ROWS_TOTAL, name, () -> t.rowsTotal);
        gauges.add(TrickleMetric.SINK_ROWS_RECEIVED_TOTAL, name, () -> t.rowsReceivedTotal);
        gauges.add(TrickleMetric.SINK_TICKS_TOTAL, name, () -> t.ticksTotal);
        gauges.add(TrickleMetric.SINK_APPLY_MS_LAST, name, () -> t.applyMsLast);
        gauges.add(TrickleMetric.SINK_APPLY_MS_TOTAL, name, () -> t.applyMsTotal);
        gauges.add(TrickleMetric.SINK_ERRORS_TOTAL, name, () -> t.errors);
        gauges.add(TrickleMetric.SINK_STATUS, name, () -> t.status);
        return t;
    }

    private synchronized long lagTicks(Table t) {
        Long newest = t.topic == null ? null : received.get(t.topic);
        return newest == null || t.tick < 0 ? 0 : Math.max(0, newest - t.tick);
    }

    @Override
    public synchronized void close() {
        tables.clear();
        gauges.close();
    }
}
