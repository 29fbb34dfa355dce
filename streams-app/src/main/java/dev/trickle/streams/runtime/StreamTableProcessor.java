package dev.trickle.streams.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.DeltaPipeline;
import dev.trickle.streams.plan.EvaluationException;
import dev.trickle.streams.plan.ZSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream table's task: gathers each tick's input delta in a state store (so that a commit in
 * the middle of a tick loses nothing), and once every source has ended the tick on this partition,
 * runs the tick through the operators and emits the output delta followed by an end marker.
 * Before the stream table's initial fill arrives, input is ignored: the fill already contains it.
 */
final class StreamTableProcessor implements Processor<String, String, String, String> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamTableProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> ROW_TYPE = new TypeReference<>() { };
    static final String INIT = "init";
    static final String FAILED = "failed";

    private final RunnableStreamTable table;
    private final ErrorReporter errors;
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, Long> pending;
    private KeyValueStore<String, String> meta;

    StreamTableProcessor(RunnableStreamTable table, ErrorReporter errors) {
        this.table = table;
        this.errors = errors;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.pending = context.getStateStore(table.pendingStore());
        this.meta = context.getStateStore(table.metaStore());
    }

    @Override
    public void process(Record<String, String> record) {
        if (meta.get(FAILED) != null) {
            return;
        }
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        int source = table.sourceIndex(topic);
        ChangeRecord change;
        try {
            change = RecordCodec.decodeChange(record.value());
        } catch (MalformedRecordException e) {
            LOG.error("Skipping a record on {} that Trickle did not write ({}), offset {}: {}", topic,
                    context.recordMetadata().map(RecordMetadata::partition).orElse(-1),
                    context.recordMetadata().map(RecordMetadata::offset).orElse(-1L), e.getMessage());
            return;
        }
        if (change instanceof ChangeRecord.Init init) {
            if (init.streamTable() == table.id()) {
                meta.put(INIT, Long.toString(init.tick()));
            }
        } else if (change instanceof ChangeRecord.Row row) {
            if (wanted(row)) {
                String key = pendingKey(row.tick(), source, row.values());
                Long before = pending.get(key);
                long weight = (before == null ? 0 : before) + row.weight();
                if (weight == 0) {
                    pending.delete(key);
                } else {
                    pending.put(key, weight);
                }
            }
        } else if (change instanceof ChangeRecord.End end) {
            onEnd(end, source, record.timestamp());
        }
    }

    /** Snapshot rows belong to their stream table at its init tick; other rows count after it. */
    private boolean wanted(ChangeRecord.Row row) {
        Long init = initTick();
        if (init == null) {
            return false;
        }
        if (row.streamTable() != null) {
            return row.streamTable() == table.id() && row.tick() == init;
        }
        return row.tick() > init;
    }

    private void onEnd(ChangeRecord.End end, int source, long timestamp) {
        Long init = initTick();
        if (init == null || end.tick() < init) {
            return;
        }
        String endedPrefix = "ended|" + tickKey(end.tick()) + "|";
        meta.put(endedPrefix + source, "1");
        for (int i = 0; i < table.sourceCount(); i++) {
            if (meta.get(endedPrefix + i) == null) {
                return; // another source has not finished this tick on this partition yet
            }
        }
        for (int i = 0; i < table.sourceCount(); i++) {
            meta.delete(endedPrefix + i);
        }
        runTick(end, init == end.tick(), timestamp);
    }

    private void runTick(ChangeRecord.End end, boolean initial, long timestamp) {
        Map<String, ZSet<Map<String, String>>> inputs = new HashMap<>();
        List<String> consumed = new ArrayList<>();
        String prefix = tickKey(end.tick()) + "|";
        try (KeyValueIterator<String, Long> it = pending.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                var kv = it.next();
                consumed.add(kv.key);
                int bar = kv.key.indexOf('|', prefix.length());
                int source = Integer.parseInt(kv.key.substring(prefix.length(), bar));
                inputs.computeIfAbsent(table.sourceName(source), k -> new ZSet<>())
                        .add(parseRow(kv.key.substring(bar + 1)), kv.value);
            }
        }
        consumed.forEach(pending::delete);
        ZSet<List<String>> output;
        try {
            output = table.pipeline().apply(inputs);
        } catch (EvaluationException | RuntimeException e) {
            String message = "evaluating the query failed at tick " + end.tick() + ": " + e.getMessage();
            LOG.error("Stream table {} stops: {}", table.displayName(), message, e);
            meta.put(FAILED, message);
            errors.streamTableFailed(table.id(), message);
            return;
        }
        output.asMap().forEach((values, weight) -> context.forward(new Record<>(rowKey(values),
                RecordCodec.encode(new DeltaRecord.Row(end.tick(), weight, values)), timestamp)));
        DeltaRecord.End marker = new DeltaRecord.End(end.tick(), table.id(), context.taskId().partition(),
                end.partitions(), table.deltaPartitions(), end.tickMillis(), initial);
        context.forward(new Record<String, String>(null, RecordCodec.encode(marker), timestamp));
        if (initial || !output.isEmpty()) {
            LOG.debug("Stream table {} tick {}: {} input rows, {} output rows{}", table.displayName(), end.tick(),
                    consumed.size(), output.size(), initial ? " (initial fill)" : "");
        }
    }

    private Long initTick() {
        String v = meta.get(INIT);
        return v == null ? null : Long.valueOf(v);
    }

    static String tickKey(long tick) {
        return String.format("%019d", tick);
    }

    private static String pendingKey(long tick, int source, Map<String, String> values) {
        try {
            return tickKey(tick) + "|" + source + "|" + JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a row", e);
        }
    }

    private static Map<String, String> parseRow(String json) {
        try {
            return JSON.readValue(json, ROW_TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt pending row in the state store: " + json, e);
        }
    }

    private static String rowKey(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a row", e);
        }
    }
}
