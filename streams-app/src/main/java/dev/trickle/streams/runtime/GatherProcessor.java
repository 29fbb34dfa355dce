package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.streams.plan.EvaluationException;
import dev.trickle.streams.plan.ZSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Second stage of a stateful stream table: the single task that reads its gather topic. A tick is
 * complete when, for every source, end markers from all of that source's partitions have arrived; then
 * its whole delta runs through the operators with their state, and the output delta goes out with one
 * end marker. A tick that carries an initial fill starts the operators' state from nothing.
 */
final class GatherProcessor implements Processor<String, String, String, String> {
    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private ProcessorContext<String, String> context;
    private TickBuffer pending;
    private KeyValueStore<String, String> meta;
    private FillTracker fill;
    private StoreStateBackend state;

    GatherProcessor(RunnableStreamTable table, ErrorReporter errors) {
        this.table = table;
        this.errors = errors;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        KeyValueStore<String, Long> pendingStore = context.getStateStore(table.pendingStore());
        this.pending = new TickBuffer(pendingStore);
        this.meta = context.getStateStore(table.metaStore());
        this.fill = new FillTracker(table.id(), meta);
        KeyValueStore<String, String> stateStore = context.getStateStore(table.stateStore());
        this.state = new StoreStateBackend(stateStore);
    }

    @Override
    public void process(Record<String, String> record) {
        ChangeRecord change = StreamTableProcessor.decode(context, record);
        if (change instanceof ChangeRecord.Init init && fill.failure() != null) {
            // a stream table whose query failed comes back with a new fill (refresh_stream_table)
            fill.onInit(init);
        }
        if (change == null || fill.failure() != null) {
            return;
        }
        int source = Integer.parseInt(record.key());
        if (change instanceof ChangeRecord.Init init) {
            meta.put("initial|" + TickBuffer.tickKey(init.tick()), "1");
        } else if (change instanceof ChangeRecord.Row row) {
            pending.add(row.tick(), source, row.values(), row.weight());
        } else if (change instanceof ChangeRecord.End end) {
            onEnd(end, source, record.timestamp());
        }
    }

    private void onEnd(ChangeRecord.End end, int source, long timestamp) {
        String tick = TickBuffer.tickKey(end.tick());
        String key = "ends|" + tick + "|" + source;
        String seen = meta.get(key);
        int count = seen == null ? 0 : Integer.parseInt(seen.substring(0, seen.indexOf('/')));
        meta.put(key, (count + 1) + "/" + end.partitions());
        for (int i = 0; i < table.sourceCount(); i++) {
            String ends = meta.get("ends|" + tick + "|" + i);
            if (ends == null || !complete(ends)) {
                return;
            }
        }
        for (int i = 0; i < table.sourceCount(); i++) {
            meta.delete("ends|" + tick + "|" + i);
        }
        boolean initial = meta.get("initial|" + tick) != null;
        meta.delete("initial|" + tick);
        if (initial) {
            state.clear();
        }
        Map<String, ZSet<Map<String, String>>> inputs = pending.drain(end.tick(), table::sourceName);
        ZSet<List<String>> output;
        try {
            output = table.pipeline().apply(inputs, state);
        } catch (EvaluationException | RuntimeException e) {
            StreamTableProcessor.fail(table, fill, errors, end.tick(), e);
            return;
        }
        DeltaOutput.emit(context, table, end.tick(), end.tickMillis(), output, 0, 1, initial, timestamp);
    }

    private static boolean complete(String ends) {
        int slash = ends.indexOf('/');
        return Integer.parseInt(ends.substring(0, slash)) >= Integer.parseInt(ends.substring(slash + 1));
    }
}
