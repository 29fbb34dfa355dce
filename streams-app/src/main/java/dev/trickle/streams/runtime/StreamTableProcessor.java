package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stateless stream table's task (one per partition of its change topics). Its operators are linear (the
 * output of a tick is the sum of the outputs of its rows), so each row runs through them as it arrives and its
 * output rows go to the delta topic at once, in the same exactly-once transaction as the input offset; once
 * every source has ended the tick on this partition, the tick's end marker follows. Nothing is buffered: the
 * sink consolidates a tick's rows and applies the tick only when its end markers are complete.
 *
 * <p>A query error on a row stops the stream table before the tick's end marker: rows of that tick sent
 * before it stay on the delta topic as an incomplete tick, which the sink never applies (it drops it when the
 * new fill's tick completes, see the sink's TopicTicks). A tick's rows may be sent while an earlier tick still
 * waits for another source's end marker: rows carry their tick, and end markers still go out in tick order.
 *
 * <p>The tick buffer stays declared for rows an earlier version buffered before it was upgraded: they are run
 * at their tick's end, so an upgrade in the middle of a tick loses nothing.
 */
final class StreamTableProcessor implements Processor<Object, Object, Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamTableProcessor.class);
    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private ProcessorContext<Object, Object> context;
    private TickBuffer pending;
    private TickLedger ledger;
    private FillTracker fill;
    private TickCommits commits;
    /** The tick buffer holds rows an earlier version buffered (checked at start, until it is empty). */
    private boolean buffered;
    private String[] sourceNames;
    /** Per tick not yet ended: rows in, rows out, nanoseconds in the operators (for {@link EngineMetrics}). */
    private final Map<Long, long[]> counts = new HashMap<>();

    StreamTableProcessor(RunnableStreamTable table, ErrorReporter errors) {
        this.table = table;
        this.errors = errors;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.pending = new TickBuffer(context.getStateStore(table.pendingStore()));
        KeyValueStore<String, String> meta = context.getStateStore(table.metaStore());
        this.ledger = new TickLedger(meta);
        this.fill = new FillTracker(table.id(), meta);
        this.commits = new TickCommits(context);
        if (fill.startPlan(table.def().planGeneration())) {
            pending.clear(); // ticks gathered for the old plan (its sources may differ too)
            LOG.info("Stream table {} runs a new plan: the old plan's ticks are dropped; it starts again with its "
                    + "new fill", table.displayName());
        }
        if (pending.holdsEarlierFormat()) {
            startAnew(table, fill, errors, pending);
        }
        this.buffered = !pending.isEmpty();
        this.sourceNames = new String[table.sourceCount()];
        for (int i = 0; i < sourceNames.length; i++) {
            sourceNames[i] = table.sourceName(i);
        }
    }

    @Override
    public void process(Record<Object, Object> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        ChangeRecord change = BadInput.change(context, record.value(), "change topic", table, fill, errors);
        if (change == null || fill.failure() != null && !fill.isOwnInit(change)) {
            // a stream table that stopped comes back with a new fill (refresh_stream_table), nothing else
            return;
        }
        int source = table.sourceIndex(topic);
        if (change instanceof ChangeRecord.Init init) {
            fill.onInit(init);
        } else if (change instanceof ChangeRecord.Row row) {
            if (fill.wanted(row)) {
                run(row, source, record.timestamp());
            }
        } else if (change instanceof ChangeRecord.End end && fill.counts(end)) {
            onEnd(end, source, record.timestamp());
        }
    }

    /** One row through the operators; its output goes out now. On a query error the stream table stops. */
    private void run(ChangeRecord.Row row, int source, long timestamp) {
        long started = System.nanoTime();
        ZSet<List<String>> output;
        try {
            output = table.pipeline().apply(Map.of(sourceNames[source],
                    new ZSet<Map<String, String>>().add(row.values(), row.weight())), StateBackend.NONE);
        } catch (KafkaException e) {
            throw e;
        } catch (EvaluationException | RuntimeException e) {
            fail(table, fill, errors, row.tick(), e);
            counts.clear();
            return;
        }
        long[] c = counts.computeIfAbsent(row.tick(), t -> new long[3]);
        c[0] += Math.abs(row.weight());
        for (Long w : output.asMap().values()) {
            c[1] += Math.abs(w);
        }
        c[2] += System.nanoTime() - started;
        DeltaOutput.rows(context, row.tick(), output, timestamp);
    }

    private void onEnd(ChangeRecord.End end, int source, long timestamp) {
        ledger.markEnded(end.tick(), source);
        for (int i = 0; i < table.sourceCount(); i++) {
            if (!ledger.ended(end.tick(), i)) {
                return; // another source has not finished this tick on this partition yet
            }
        }
        for (int i = 0; i < table.sourceCount(); i++) {
            ledger.forgetEnded(end.tick(), i);
        }
        if (buffered && !runBuffered(end.tick(), timestamp)) {
            return;
        }
        long[] c = counts.remove(end.tick());
        EngineMetrics.shared().evaluated(table.displayName(), end.tick(), c == null ? 0 : c[0], c == null ? 0 : c[1],
                c == null ? 0 : c[2]);
        DeltaOutput.end(context, table, end.tick(), end.tickMillis(), context.taskId().partition(), end.partitions(),
                fill.isInitial(end.tick()), timestamp);
        commits.tickDone();
    }

    /** Rows of the tick that an earlier version buffered; false when the query failed on them. */
    private boolean runBuffered(long tick, long timestamp) {
        Map<String, ZSet<Map<String, String>>> inputs = pending.drain(tick, table::sourceName);
        buffered = !pending.isEmpty();
        if (inputs.isEmpty()) {
            return true;
        }
        ZSet<List<String>> output = evaluate(table, fill, errors, tick, inputs, StateBackend.NONE);
        if (output == null) {
            return false;
        }
        DeltaOutput.rows(context, tick, output, timestamp);
        return true;
    }

    /**
     * The tick's output delta, or null when the query failed on it (the stream table then stops with the error).
     * A Kafka error from inside the operators (a state store's changelog, a fenced producer) is Kafka Streams'
     * business, not the query's: it goes up, and Kafka Streams runs the tick again.
     */
    static ZSet<List<String>> evaluate(RunnableStreamTable table, FillTracker fill, ErrorReporter errors, long tick,
                                       Map<String, ZSet<Map<String, String>>> inputs, StateBackend state) {
        long started = System.nanoTime();
        ZSet<List<String>> output;
        try {
            output = table.pipeline().apply(inputs, state);
        } catch (KafkaException e) {
            throw e;
        } catch (EvaluationException | RuntimeException e) {
            fail(table, fill, errors, tick, e);
            return null;
        }
        EngineMetrics.shared().evaluated(table.displayName(), tick, inputs, output, System.nanoTime() - started);
        return output;
    }

    /**
     * The app was upgraded with state an earlier version wrote (JSON rows, string keys): the ticks in it
     * cannot be read, so they go, and the stream table stops until a new fill, which is requested here
     * (what {@code pgtrickle.refresh_stream_table} would do); the caller has emptied its other stores.
     */
    static void startAnew(RunnableStreamTable table, FillTracker fill, ErrorReporter errors, TickBuffer pending) {
        pending.clear();
        String message = "the state of stream table " + table.displayName() + " was written by an earlier version"
                + " of Trickle (JSON rows under string keys), which this version does not read: it is dropped and"
                + " the stream table is filled anew (if that request fails, run pgtrickle.refresh_stream_table on it)";
        LOG.warn("Stream table {} is filled anew: {}", table.displayName(), message);
        fill.fail(message);
        errors.refillNeeded(table.id(), message);
    }

    /** The stream table stops: its data stays at the last good tick, and pgt_status() says why. */
    static void fail(RunnableStreamTable table, FillTracker fill, ErrorReporter errors, long tick, Exception e) {
        String message = "evaluating the query failed at tick " + tick + ": " + e.getMessage();
        LOG.error("Stream table {} stops: {}", table.displayName(), message, e);
        fill.fail(message);
        EngineMetrics.shared().failed(table.displayName());
        errors.streamTableFailed(table.id(), message);
    }
}
