package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.RecordCodec;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stage of a stateful stream table, in every partition's task: passes the change records the
 * stream table wants (see {@link FillTracker}) to its gather topic, keyed by source index, so that one
 * task sees the whole tick. End markers keep their partition and partition count, which tell the
 * gathering task how many producers to wait for.
 */
final class ScatterProcessor implements Processor<String, String, String, String> {
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
        ChangeRecord change = StreamTableProcessor.decode(context, record);
        if (change == null) {
            return;
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
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
}
