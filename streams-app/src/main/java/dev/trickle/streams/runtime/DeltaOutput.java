package dev.trickle.streams.runtime;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes a tick's output delta, then its end marker (multicast to every delta partition by the partitioner).
 * Records leave as objects, keyed by the row's values (null for the marker); the delta topic's serializers
 * ({@link TopicCodecs}) make the key and value Structs and hand them to the converter.
 */
final class DeltaOutput {
    private DeltaOutput() {
    }

    static void emit(ProcessorContext<Object, Object> context, RunnableStreamTable table, long tick, long tickMillis,
                     ZSet<List<String>> output, int producer, int producers, boolean initial, long timestamp) {
        rows(context, tick, output, timestamp);
        end(context, table, tick, tickMillis, producer, producers, initial, timestamp);
    }

    /** Output rows of a tick, without its end marker (a stateless stream table sends them as they come). */
    static void rows(ProcessorContext<Object, Object> context, long tick, ZSet<List<String>> output, long timestamp) {
        output.asMap().forEach((values, weight) -> context.forward(new Record<Object, Object>(values,
                new DeltaRecord.Row(tick, weight, values), timestamp)));
    }

    /** The tick's end marker from one producer: everything it sends of the tick went before. */
    static void end(ProcessorContext<Object, Object> context, RunnableStreamTable table, long tick, long tickMillis,
                    int producer, int producers, boolean initial, long timestamp) {
        DeltaRecord.End marker = new DeltaRecord.End(tick, table.id(), producer, producers, table.deltaPartitions(),
                tickMillis, initial);
        context.forward(new Record<Object, Object>(null, marker, timestamp));
        EngineMetrics.shared().emitted(table.displayName(), tick, tickMillis, initial);
    }
}
