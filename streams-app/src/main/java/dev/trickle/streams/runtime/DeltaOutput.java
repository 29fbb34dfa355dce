package dev.trickle.streams.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Writes a tick's output delta, then its end marker (multicast to every delta partition by the partitioner). */
final class DeltaOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeltaOutput() {
    }

    static void emit(ProcessorContext<String, String> context, RunnableStreamTable table, long tick, long tickMillis,
                     ZSet<List<String>> output, int producer, int producers, boolean initial, long timestamp) {
        output.asMap().forEach((values, weight) -> context.forward(new Record<>(rowKey(values),
                RecordCodec.encode(new DeltaRecord.Row(tick, weight, values)), timestamp)));
        DeltaRecord.End marker = new DeltaRecord.End(tick, table.id(), producer, producers, table.deltaPartitions(),
                tickMillis, initial);
        context.forward(new Record<String, String>(null, RecordCodec.encode(marker), timestamp));
    }

    private static String rowKey(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a row", e);
        }
    }
}
