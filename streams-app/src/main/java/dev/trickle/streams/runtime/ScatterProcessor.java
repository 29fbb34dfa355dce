package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stage of a stateful stream table, in every partition's task: passes the change records the
 * stream table wants (see {@link FillTracker}) to its gather topic, keyed by source index, so that one
 * task sees the whole tick, in the binary format of {@link GatherCodec}. End markers keep their
 * partition and partition count, which tell the gathering task how many producers to wait for.
 */
final class ScatterProcessor implements Processor<Object, Object, String, byte[]> {
    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private ProcessorContext<String, byte[]> context;
    private FillTracker fill;
    private TickCommits commits;

    ScatterProcessor(RunnableStreamTable table, ErrorReporter errors) {
        this.table = table;
        this.errors = errors;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.fill = new FillTracker(table.id(), context.getStateStore(table.scatterStore()));
        this.commits = new TickCommits(context);
        fill.startPlan(table.def().planGeneration()); // nothing passes until the new plan's fill
    }

    @Override
    public void process(Record<Object, Object> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        int upstream = table.upstreamIndex(topic);
        if (upstream >= 0) {
            passUpstream(record, upstream);
            return;
        }
        ChangeRecord change = BadInput.change(context, record.value(), "change topic", table, fill, errors);
        if (change == null || fill.failure() != null && !fill.isOwnInit(change)) {
            // a stream table that stopped comes back with a new fill (refresh_stream_table), nothing else
            return;
        }
        String source = Integer.toString(table.sourceIndex(topic));
        boolean pass;
        if (change instanceof ChangeRecord.Init init) {
            pass = fill.onInit(init);
        } else if (change instanceof ChangeRecord.Row row) {
            pass = fill.wanted(row);
        } else {
            pass = fill.counts((ChangeRecord.End) change);
        }
        if (pass) {
            context.forward(new Record<>(source, GatherCodec.encode(change), record.timestamp()));
            if (change instanceof ChangeRecord.End) {
                commits.tickDone(); // the gathering task runs the tick once it can read every end marker
            }
        }
    }

    /**
     * An upstream stream table's delta record goes to the gathering task (keyed "d" and the
     * source index), which aligns it with the fills and the other sources' ticks; records of ticks at or
     * below the floor are never needed and stop here. A row written for other columns (by the upstream's plan
     * before its query changed, see {@link TopicCodecs.OtherColumns}) is checked against the floor before it is
     * taken as bad input: at or below the floor it is the old generation's, skipped unread.
     */
    private void passUpstream(Record<Object, Object> record, int source) {
        if (record.value() instanceof TopicCodecs.OtherColumns other && other.tick() <= table.floor()) {
            return;
        }
        DeltaRecord delta = BadInput.delta(context, record.value(), "upstream delta topic", table, fill, errors);
        if (delta == null || fill.failure() != null) {
            return;
        }
        if (delta.tick() > table.floor()) {
            context.forward(new Record<>(UpstreamInputs.key(source), GatherCodec.encode(delta), record.timestamp()));
            if (delta instanceof DeltaRecord.End) {
                commits.tickDone();
            }
        }
    }
}
