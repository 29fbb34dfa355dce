package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.records.RecordCodec;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of a stateful stream table, in every partition's task: passes the change records the
 * stream table wants (see {@link FillTracker}) to its gather topic, keyed by source index, so that one
 * task sees the whole tick. End markers keep their partition and partition count, which tell the
 * gathering task how many producers to wait for.
 */
final class ScatterProcessor implements Processor<String, String, String, String> {
    private static final Logger LOG = LoggerFactory.getLogger(ScatterProcessor.class);
    private final RunnableStreamTable table;
    private ProcessorContext<String, String> context;
    private FillTracker fill;

    ScatterProcessor(RunnableStreamTable table) {
        this.table = table;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.fill = new FillTracker(table.id(), context.getStateStore(table.scatterStore()));
    }

    @Override
    public void process(Record<String, String> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        int upstream = table.upstreamIndex(topic);
        if (upstream >= 0) {
            passUpstream(record, upstream);
            return;
        }
        ChangeRecord change = StreamTableProcessor.decode(context, record);
        if (change == null) {
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
            context.forward(new Record<>(source, RecordCodec.encode(change), record.timestamp()));
        }
    }

    /**
     * An upstream stream table's delta record goes to the gathering task as it is (keyed "d" and the
     * source index), which aligns it with the fills and the other sources' ticks; records of ticks at or
     * below the floor are never needed and stop here.
     */
    private void passUpstream(Record<String, String> record, int source) {
        DeltaRecord delta;
        try {
            delta = RecordCodec.decodeDelta(record.value());
        } catch (MalformedRecordException e) {
            LOG.error("Skipping a record on upstream delta topic {} that Trickle did not write: {}",
                    table.upstreamTopics().get(source), e.getMessage());
            return;
        }
        if (delta.tick() > table.floor()) {
            context.forward(new Record<>(UpstreamInputs.key(source), record.value(), record.timestamp()));
        }
    }
}
