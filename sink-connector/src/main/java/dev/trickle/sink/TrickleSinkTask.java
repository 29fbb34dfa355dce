package dev.trickle.sink;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.metrics.Gauges;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects each delta topic's records per tick and applies every complete tick, in tick order, in one
 * PostgreSQL transaction (see {@link DeltaApplier}); the ticks of different execution units one at a time or,
 * with parallel.refresh.mode=on, at the same time (see {@link RefreshScheduler}). Offsets are committed only up to the first record
 * of a tick that is not applied yet, so after a crash Connect delivers again exactly what is missing,
 * and the progress row in the database filters out what was applied but not yet committed to Kafka.
 */
public class TrickleSinkTask extends SinkTask {
    private static final Logger LOG = LoggerFactory.getLogger(TrickleSinkTask.class);
    /** Set by the connector in each task's configuration, to name the task in its heartbeat. */
    static final String TASK_INDEX = "trickle.task.index";

    private SinkConfig config;
    private RefreshScheduler scheduler;
    private DeltaColumns columns;
    private SinkHeartbeat heartbeat;
    private SinkMetrics metrics = new SinkMetrics(Gauges.NONE);
    private final DroppedStreamTables dropped = new DroppedStreamTables();
    /** Per partition, the offset after the highest record taken in: anything below is a redelivery. */
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Map<String, TopicTicks> topics = new HashMap<>();
    private final Set<String> warnedSplit = new HashSet<>();
    /** errors.tolerance=all: Connect's error reporter takes bad records (with none, a report would fail the task). */
    private boolean tolerateErrors;
    private int failures;
    /** After a failed apply: no new attempt before this (System.nanoTime()). */
    private long retryAt;
    /** Wall-clock time for the schedules (a test's fake clock). */
    private final LongSupplier clock;

    public TrickleSinkTask() {
        this(System::currentTimeMillis);
    }

    TrickleSinkTask(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public String version() {
        return SinkConfig.version();
    }

    @Override
    public void start(Map<String, String> props) {
        config = new SinkConfig(props);
        tolerateErrors = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        String workerId = props.getOrDefault("name", "trickle-sink") + "-" + props.getOrDefault(TASK_INDEX, "0") + "@"
                + ManagementFactory.getRuntimeMXBean().getName();
        ApplySchedule schedule = new ApplySchedule(clock);
        scheduler = new RefreshScheduler(config, workerId, schedule);
        columns = new DeltaColumns(config);
        heartbeat = new SinkHeartbeat(config, workerId, scheduler.board(), scheduler::offerPlan, dropped, schedule);
        metrics = new SinkMetrics(context == null ? Gauges.NONE : Gauges.ofPlugin(context::pluginMetrics));
        LOG.info("Trickle sink task started, writing stream tables in {} (parallel.refresh.mode={}, {} unit(s) at once)",
                config.redactedUrl(), config.parallelMode().configName(), config.parallelism());
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        for (SinkRecord r : records) {
            accept(r);
        }
        applyCompleteTicks();
    }

    private void accept(SinkRecord r) {
        TopicPartition tp = new TopicPartition(r.originalTopic(), r.originalKafkaPartition());
        long offset = r.originalKafkaOffset();
        Long next = nextOffsets.get(tp);
        if (next != null && offset < next) {
            return; // the same batch again after a RetriableException: it is buffered already
        }
        RowReader rows = rowReader(tp.topic(), r.value()); // before the record counts as taken: a retry delivers it again
        nextOffsets.put(tp, offset + 1);
        TopicTicks ticks = topics.computeIfAbsent(tp.topic(), TopicTicks::new);
        try {
            DeltaRecord d;
            try {
                d = decode(tp.topic(), r.value(), rows);
            } catch (ColumnsChanging e) {
                nextOffsets.put(tp, offset); // not taken: delivered again once the columns may be read again
                if (context != null) {
                    context.timeout(e.waitMs);
                }
                throw e;
            }
            metrics.received(tp.topic(), d.tick());
            if (!ticks.finished(d.tick())) {
                ticks.add(tp.partition(), offset, d);
            }
        } catch (MalformedRecordException | IllegalArgumentException | ArithmeticException e) {
            badRecord(r, tp, offset, ticks, e);
        }
    }

    /**
     * The reader of a row record's values (markers need none). A map (no schema) cannot be read without it: a
     * catalog that cannot be read now is retried with the record. A Struct carries its own schema: without the
     * catalog it is read by that, as before records could come without one.
     */
    private RowReader rowReader(String topic, Object value) {
        boolean map = value instanceof Map<?, ?> m;
        Object kind = map ? ((Map<?, ?>) value).get("kind")
                : value instanceof Struct s && s.schema().field("kind") != null ? s.get("kind") : null;
        if (!"row".equals(kind)) {
            return null;
        }
        try {
            return map ? columns.reader(topic) : columns.readerIfReachable(topic);
        } catch (SQLException e) {
            throw new RetriableException("cannot read the columns of the stream table of topic " + topic
                    + " from the catalog (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A delta record read by its stream table's columns from the catalog (Structs whose topic no stream table
     * writes: by their own schema). A row that does not fit may be of a stream table created again with other
     * columns: the columns are read again (at most every few seconds); a Struct that still does not fit is read by
     * its own schema, as before records could come without one, and a map counts as malformed.
     */
    private DeltaRecord decode(String topic, Object value, RowReader rows) {
        try {
            return DeltaRecords.decode(value, rows);
        } catch (MalformedRecordException e) {
            // held only when a stream table writes the topic: a dropped stream table's leftover rows (no reader) are
            // bad records at once, else every one of them would hold the whole sink for the refresh interval
            long waitMs = rows == null ? 0 : columns.refreshWaitMs(topic);
            if (waitMs > 0 && value instanceof Map<?, ?>) {
                throw new ColumnsChanging(topic, waitMs, e);
            }
            RowReader again;
            try {
                again = columns.refreshed(topic);
            } catch (SQLException sql) {
                e.addSuppressed(sql);
                throw e;
            }
            if (again != null) {
                return DeltaRecords.decode(value, again);
            }
            if (value instanceof Struct) {
                // a record with its schema carries its own columns; the applier refuses a row of the wrong width
                return DeltaRecords.decode(value);
            }
            throw e;
        }
    }

    /**
     * A record that cannot be read stops only its own stream table: the tick it belonged to would be applied
     * without it, so the next tick of the topic to complete puts the stream table in ERROR instead (with the
     * record's place in last_error), and the other topics go on. With errors.tolerance=all the record also goes
     * to Connect's error reporter (the dead-letter queue when errors.deadletterqueue.topic.name is set).
     */
    private void badRecord(SinkRecord r, TopicPartition tp, long offset, TopicTicks ticks, RuntimeException e) {
        String place = "topic " + tp.topic() + " partition " + tp.partition() + " at offset " + offset;
        LOG.error("Bad record in {}: {}. Its stream table goes to ERROR at its next tick (other stream tables go "
                + "on); delta topics must hold only records of Trickle's streams app", place, e.getMessage());
        ticks.poison("could not be applied: a record before its end is malformed (" + place + ": " + e.getMessage()
                + "), so the tick may lack rows; the stream table stays at its last complete tick. Delta topics must "
                + "hold only records of Trickle's streams app");
        ErrantRecordReporter reporter = tolerateErrors ? errantRecordReporter() : null;
        if (reporter != null) {
            reporter.report(r, new DataException("bad record in " + place + ": " + e.getMessage(), e));
        }
    }

    private ErrantRecordReporter errantRecordReporter() {
        try {
            return context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            return null; // a Connect runtime older than 2.6
        }
    }

    private void applyCompleteTicks() {
        List<RefreshScheduler.Ready> ready = scheduler.ready(topics.values());
        if (!ready.isEmpty()) {
            waitOutBackoff(ready.get(0));
            RefreshScheduler.Round round;
            try {
                round = scheduler.run(ready);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("interrupted while applying ticks", e);
            }
            for (RefreshScheduler.Applied a : round.applied()) {
                if (a.result().outcome() == ApplyResult.Outcome.DROPPED) {
                    dropped.add(a.batch().streamTable());
                }
                report(a.topic(), a.batch(), a.result(), a.dropped());
                metrics.applied(a.topic().topic(), a.batch(), a.result());
            }
            if (round.failure() != null) {
                failed(round.failure());
            } else {
                failures = 0;
            }
        }
        topics.values().forEach(this::warnIfSplit);
    }

    /**
     * Connect delivered the records again before the backoff after a failure passed (its poll also ends at every
     * offset commit): wait on, without counting an attempt.
     */
    private void waitOutBackoff(RefreshScheduler.Ready next) {
        long waitMs = failures == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(retryAt - System.nanoTime());
        if (waitMs > 0) {
            context.timeout(waitMs);
            throw new RetriableException("waiting " + waitMs + " ms before applying the ticks of " + next.key()
                    + " again");
        }
    }

    /** A lost or unusable connection: retried with backoff (Connect redelivers), up to apply.max.retries times. */
    private void failed(RefreshScheduler.Retriable f) {
        failures++;
        SQLException e = f.error();
        String what = "could not apply " + (f.batch() == null ? "the ticks" : f.batch().describe()) + " of "
                + f.topic().topic() + " to PostgreSQL at " + config.redactedUrl() + ": " + e.getMessage();
        if (!f.retriable() || failures > config.maxRetries()) {
            throw new ConnectException(what + (f.retriable() ? " (gave up after " + failures + " attempts; "
                    + "raise apply.max.retries to wait longer)" : ""), e);
        }
        LOG.warn("{}; retrying in {} ms (attempt {} of {})", what, config.retryBackoffMs(), failures + 1,
                config.maxRetries() + 1);
        retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.retryBackoffMs());
        context.timeout(config.retryBackoffMs());
        throw new RetriableException(what, e);
    }

    private static void report(TopicTicks tt, TickBatch b, ApplyResult r, List<PendingTick> partial) {
        for (PendingTick p : partial) {
            LOG.debug("Dropped the rest of tick {} of {}: it was applied before the last restart", p.tick(), tt.topic());
        }
        String ticks = b.describe();
        switch (r.outcome()) {
            case APPLIED -> {
                if (b.initial()) {
                    LOG.info("Filled stream table {} at {}: {} row(s) in {} ms ({} old row(s) removed)",
                            r.streamTable(), ticks, r.inserted(), Math.round(r.millis()), r.deleted());
                } else {
                    LOG.debug("Applied {} to stream table {}: {} row(s) inserted, {} deleted in {} ms",
                            ticks, r.streamTable(), r.inserted(), r.deleted(), Math.round(r.millis()));
                }
            }
            case ALREADY_APPLIED -> LOG.debug("{} of stream table {} applied already; skipped", ticks, r.streamTable());
            case DROPPED -> LOG.info("Discarded {} of {}: {} no longer exists (dropped)", ticks, tt.topic(),
                    r.streamTable());
            case AWAITING_REFRESH -> LOG.debug("Skipped {} of stream table {}: it is in ERROR, or waits for "
                    + "the fill that pgtrickle.refresh_stream_table asked for", ticks, r.streamTable());
            case SUSPENDED -> LOG.debug("Skipped {} of stream table {}: it is SUSPENDED (resume it with "
                    + "pgtrickle.resume_stream_table)", ticks, r.streamTable());
            case FAILED -> LOG.error("Stream table {} is now in ERROR: {}", r.streamTable(), r.message());
            case RETRY -> LOG.warn("Stream table {}: {}", r.streamTable(), r.message());
            case DEFERRED -> LOG.debug("{} of {} rolled back with its atomic group; tried again", ticks, tt.topic());
            case NOW_SUSPENDED -> LOG.error("Stream table {} is now SUSPENDED (other stream tables go on): {}",
                    r.streamTable(), r.message());
        }
    }

    /** A tick can only complete in the task that reads all of its topic's partitions. */
    private void warnIfSplit(TopicTicks tt) {
        Set<TopicPartition> assigned = context == null ? null : context.assignment();
        if (tt.isEmpty() || tt.partitionsSeen() == 0 || assigned == null || warnedSplit.contains(tt.topic())) {
            return;
        }
        List<Integer> missing = new ArrayList<>();
        for (int p = 0; p < tt.partitionsSeen(); p++) {
            if (!assigned.contains(new TopicPartition(tt.topic(), p))) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            warnedSplit.add(tt.topic());
            LOG.warn("Delta topic {} has {} partitions, but this task does not read partition(s) {}: its ticks cannot "
                    + "complete here. Run the sink connector with tasks.max=1, or give delta topics one partition.",
                    tt.topic(), tt.partitionsSeen(), missing);
        }
    }

    /**
     * Per partition, the first record not applied yet (all before it are applied or skipped); nothing for the
     * delta topics of dropped stream tables (see {@link DroppedStreamTables}).
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : nextOffsets.entrySet()) {
            TopicPartition tp = e.getKey();
            TopicTicks tt = topics.get(tp.topic());
            if (tt != null && dropped.contains(tt.streamTable())) {
                continue;
            }
            Long pending = tt == null ? null : tt.firstPendingOffset(tp.partition());
            commit.put(tp, new OffsetAndMetadata(pending == null ? e.getValue() : Math.min(pending, e.getValue())));
        }
        return commit;
    }

    /**
     * Partitions taken away: their buffered ticks go, so the whole topic's ticks go, and partitions of that
     * topic this task keeps are rewound to their first unapplied record to collect those ticks again.
     */
    @Override
    public void close(Collection<TopicPartition> partitions) {
        Set<String> affected = new HashSet<>();
        for (TopicPartition tp : partitions) {
            nextOffsets.remove(tp);
            affected.add(tp.topic());
        }
        for (String topic : affected) {
            TopicTicks tt = topics.remove(topic);
            for (TopicPartition kept : new ArrayList<>(nextOffsets.keySet())) {
                Long from = tt == null || !kept.topic().equals(topic) ? null : tt.firstPendingOffset(kept.partition());
                if (from != null) {
                    context.offset(kept, from);
                    nextOffsets.remove(kept);
                }
            }
        }
    }

    @Override
    public void stop() {
        if (heartbeat != null) {
            heartbeat.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        metrics.close();
        LOG.info("Trickle sink task stopped");
    }

    /**
     * A row without a schema that does not fit its stream table's columns, read less than {@link
     * DeltaColumns#REFRESH_MS} ago: alter_stream_table may have changed them since. Retried once they may be read
     * again; a row that still does not fit then is malformed.
     */
    private static final class ColumnsChanging extends RetriableException {
        final long waitMs;

        ColumnsChanging(String topic, long waitMs, Throwable cause) {
            super("a row of " + topic + " does not fit the columns of its stream table read just before; reading "
                    + "them again in " + waitMs + " ms", cause);
            this.waitMs = waitMs;
        }
    }
}
