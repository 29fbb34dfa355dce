package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
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
 * One stateless stream table's task (one per partition of its change topics): gathers each tick's input
 * delta in a state store, and once every source has ended the tick on this partition, runs the tick
 * through the operators and emits the output delta followed by an end marker.
 */
final class StreamTableProcessor implements Processor<Object, Object, Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamTableProcessor.class);
    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private ProcessorContext<Object, Object> context;
    private TickBuffer pending;
    private TickLedger ledger;
    private FillTracker fill;

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
        if (fill.startPlan(table.def().planGeneration())) {
            pending.clear(); // ticks gathered for the old plan (its sources may differ too)
            LOG.info("Stream table {} runs a new plan: the old plan's ticks are dropped; it starts again with its "
                    + "new fill", table.displayName());
        }
        if (pending.holdsEarlierFormat()) {
            startAnew(table, fill, errors, pending);
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
                pending.add(row.tick(), source, row.values(), row.weight());
            }
        } else if (change instanceof ChangeRecord.End end && fill.counts(end)) {
            onEnd(end, source, record.timestamp());
        }
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
        Map<String, ZSet<Map<String, String>>> inputs = pending.drain(end.tick(), table::sourceName);
        ZSet<List<String>> output = evaluate(table, fill, errors, end.tick(), inputs, StateBackend.NONE);
        if (output == null) {
            return;
        }
        DeltaOutput.emit(context, table, end.tick(), end.tickMillis(), output, context.taskId().partition(),
                end.partitions(), fill.isInitial(end.tick()), timestamp);
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
