package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Second stage of a stateful stream table: the single task that reads its gather topic. A tick is
 * complete when, for every source, end markers from all of that source's partitions have arrived, and,
 * for every upstream stream table it reads, from every producer of the upstream's delta on every
 * partition (see {@link UpstreamInputs}); then its whole delta runs through the operators with their
 * state, and the output delta goes out with one end marker. A tick that carries an initial fill starts
 * the operators' state from nothing.
 */
final class GatherProcessor implements Processor<String, byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(GatherProcessor.class);
    /** Memory for a gathered stream table's rows of ticks not yet complete, beyond which they go to the store. */
    static final long TICK_MEMORY_BYTES = 32L << 20;
    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private final GatherReplay.Factory replays;
    private final long memoryBytes;
    /** Whether the rows the tick buffer held in memory before a restart are still to be read again. */
    private boolean rebuildDue;
    private ProcessorContext<Object, Object> context;
    private TickBuffer pending;
    private TickLedger ledger;
    private FillTracker fill;
    private TickCommits commits;
    private StoreStateBackend state;
    private UpstreamInputs upstreams;

    GatherProcessor(RunnableStreamTable table, ErrorReporter errors, GatherReplay.Factory replays) {
        this(table, errors, replays, TICK_MEMORY_BYTES);
    }

    /** With {@code memoryBytes} for the tick buffer's rows in memory (tests: a small bound makes it spill). */
    GatherProcessor(RunnableStreamTable table, ErrorReporter errors, GatherReplay.Factory replays, long memoryBytes) {
        this.memoryBytes = memoryBytes;
        this.table = table;
        this.errors = errors;
        this.replays = replays;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        KeyValueStore<String, String> meta = context.getStateStore(table.metaStore());
        this.ledger = new TickLedger(meta);
        // memoryBytes 0: every gathered row goes to the logged store, as before the tick buffer had memory
        this.pending = new TickBuffer(context.getStateStore(table.pendingStore()),
                memoryBytes > 0 ? new TickMemory(ledger, memoryBytes) : null);
        this.rebuildDue = true;
        this.fill = new FillTracker(table.id(), meta);
        this.commits = new TickCommits(context);
        this.state = new StoreStateBackend(context.getStateStore(table.stateStore()));
        this.upstreams = new UpstreamInputs(table, ledger, pending);
        if (fill.startPlan(table.def().planGeneration())) {
            // the old plan's operator state and gathered ticks are not the new plan's
            state.clear();
            pending.clear();
            LOG.info("Stream table {} runs a new plan: the old plan's state is dropped; it starts again with its new "
                    + "fill", table.displayName());
        }
        if (pending.holdsEarlierFormat() || state.holdsEarlierFormat()) {
            state.clear();
            StreamTableProcessor.startAnew(table, fill, errors, pending);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (rebuildDue) {
            rebuildDue = false;
            context.recordMetadata().ifPresent(m -> rebuild(m.topic(), m.offset()));
        }
        int upstream = UpstreamInputs.source(record.key());
        if (upstream >= 0) {
            if (fill.failure() != null) {
                return;
            }
            DeltaRecord delta = BadInput.gatheredDelta(context, record, table, fill, errors);
            if (delta != null && delta.tick() <= table.floor()) {
                // gathered by the old plan before the restart (its scatter had a lower floor): never needed
                return;
            }
            if (delta != null) {
                String unusable = upstreams.onDelta(upstream, delta);
                if (unusable != null) {
                    BadInput.otherColumns(context, "internal gather topic", table, fill, errors, unusable);
                    return;
                }
                if (delta instanceof DeltaRecord.End end) {
                    runIfComplete(end.tick(), end.tickMillis(), record.timestamp());
                }
            }
            return;
        }
        int pairs = GatherCodec.rowPairs(record.value());
        if (pairs >= 0 && !fill.awaitingFill() && fill.failure() == null) {
            // most records: a row, whose column pairs go to the tick buffer as they are
            pending.addEncoded(GatherCodec.rowTick(record.value()), Integer.parseInt(record.key()), record.value(),
                    pairs, GatherCodec.rowWeight(record.value()),
                    context.recordMetadata().map(RecordMetadata::offset).orElse(-1L));
            return;
        }
        ChangeRecord change = BadInput.gathered(context, record, table, fill, errors);
        if (fill.awaitingFill()) {
            // the plan changed: what the old plan's scatter passed before the restart is not for the new one
            if (!(change instanceof ChangeRecord.Init init) || !fill.onInit(init)) {
                return;
            }
        }
        if (change instanceof ChangeRecord.Init init && fill.failure() != null) {
            // a stream table whose query failed comes back with a new fill (refresh_stream_table)
            fill.onInit(init);
        }
        if (change == null || fill.failure() != null) {
            return;
        }
        int source = Integer.parseInt(record.key());
        if (change instanceof ChangeRecord.Init init) {
            ledger.markInitial(init.tick());
            upstreams.onInit(init, source);
        } else if (change instanceof ChangeRecord.Row row) {
            pending.add(row.tick(), source, row.values(), row.weight());
        } else if (change instanceof ChangeRecord.End end) {
            ledger.countEnd(end.tick(), source, end.partitions());
            runIfComplete(end.tick(), end.tickMillis(), record.timestamp());
        }
    }

    /**
     * The first record after the task (re)started is at its committed position: the tick buffer's rows held in
     * memory up to there are read again from the gather topic (see {@link TickMemory}).
     */
    private void rebuild(String topic, long position) {
        long started = System.nanoTime();
        long from = pending.firstOffsetInMemory();
        long rows = pending.rebuild(replays.create(context.appConfigs()), topic, position);
        if (rows < 0) {
            String message = "the rows of its ticks in progress were no longer in gather topic " + topic
                    + " when the app restarted (its retention deleted them): the stream table is filled anew (if that"
                    + " request fails, run pgtrickle.refresh_stream_table on it)";
            LOG.warn("Stream table {} is filled anew: {}", table.displayName(), message);
            state.clear();
            pending.clear();
            fill.fail(message);
            errors.refillNeeded(table.id(), message);
        } else if (rows > 0) {
            LOG.info("Stream table {}: {} gathered row(s) of {} tick(s) in progress read again from {}, offsets {} to {}, "
                    + "in {} ms", table.displayName(), rows, pending.ticksInMemory(), topic, from, position,
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    private void runIfComplete(long tick, long tickMillis, long timestamp) {
        for (int i = 0; i < table.sourceCount(); i++) {
            if (!ledger.endsComplete(tick, i)) {
                return;
            }
        }
        if (!upstreams.ended(tick)) {
            return;
        }
        for (int i = 0; i < table.sourceCount(); i++) {
            ledger.forgetEnds(tick, i);
        }
        boolean initial = ledger.takeInitial(tick);
        if (initial) {
            String unusable = upstreams.fill(tick);
            if (unusable != null) {
                skip(tick, unusable + "; another fill is requested");
                errors.refillNeeded(table.id(), unusable);
                return;
            }
            state.clear();
        } else {
            String replaced = upstreams.replacedAt(tick);
            if (upstreams.suspended() != null || replaced != null) {
                skip(tick, "upstream stream table " + replaced + " was filled anew at tick " + tick
                        + "; this stream table waits for its own new fill");
                return;
            }
        }
        run(tick, tickMillis, timestamp, initial);
    }

    private void run(long tick, long tickMillis, long timestamp, boolean initial) {
        Map<String, ZSet<Map<String, String>>> inputs = pending.drain(tick, upstreams::sourceName);
        upstreams.ran(tick);
        ZSet<List<String>> output = StreamTableProcessor.evaluate(table, fill, errors, tick, inputs, state);
        if (output == null) {
            return;
        }
        DeltaOutput.emit(context, table, tick, tickMillis, output, 0, 1, initial, timestamp);
        commits.tickDone();
    }

    /**
     * The tick is not run: the stream table stays at its last tick until a fill it can use. The base
     * tables' rows of the tick go; the upstreams' deltas stay, for that fill.
     */
    private void skip(long tick, String why) {
        if (upstreams.suspended() == null) {
            LOG.info("Stream table {} stops at its last tick: {}", table.displayName(), why);
            upstreams.suspend(why);
        }
        for (int i = 0; i < table.sourceCount(); i++) {
            pending.discard(tick, i);
        }
        upstreams.skipped(tick);
    }
}
