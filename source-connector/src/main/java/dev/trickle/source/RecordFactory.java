package dev.trickle.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.data.Schema;

/**
 * Turns rows and markers into Connect records: topic, partition, key, value and source offset.
 *
 * <p>Source offsets: every record of tick N carries {@code {"tick": N, "partial": true}} except the
 * tick's very last record, which carries {@code {"tick": N}}. Connect commits the offset of the
 * latest record whose predecessors are all written, so a committed {@code {"tick": N}} means the
 * whole of tick N is in Kafka, while a committed partial offset means only tick N-1 is.
 */
final class RecordFactory {
    static final String OFFSET_TICK = "tick";
    static final String OFFSET_PARTIAL = "partial";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix;
    private final int partitions;
    private final Map<String, String> sourcePartition;

    RecordFactory(String prefix, int partitions, String database) {
        this.prefix = prefix;
        this.partitions = partitions;
        this.sourcePartition = Map.of("database", database);
    }

    Map<String, String> sourcePartition() {
        return sourcePartition;
    }

    int partitions() {
        return partitions;
    }

    String topic(CapturedSource source) {
        return TopicNames.changes(prefix, source.schema(), source.name());
    }

    /** The delta topic of a stream table (written here only for stream tables refreshed in FULL mode). */
    String deltaTopic(String schema, String streamTable) {
        return TopicNames.delta(prefix, schema, streamTable);
    }

    /** The tick that a committed source offset says is completely in Kafka (null: no offset). */
    static Long committedTick(Map<String, Object> offset) {
        if (offset == null || !(offset.get(OFFSET_TICK) instanceof Number n)) {
            return null;
        }
        boolean partial = Boolean.TRUE.equals(offset.get(OFFSET_PARTIAL));
        return partial ? n.longValue() - 1 : n.longValue();
    }

    /**
     * The key: a JSON array of the key column values (all columns when the table has no primary key).
     * An UPDATE's -old/+new of one key thus land on one partition, in order.
     */
    String key(CapturedSource source, Map<String, String> values) {
        List<String> key = new ArrayList<>();
        if (source.keyColumns().isEmpty()) {
            key.addAll(values.values());
        } else {
            for (String column : source.keyColumns()) {
                key.add(values.get(column));
            }
        }
        return json(key);
    }

    /** A JSON array of strings: the key of a delta row is its whole row, as the streams app writes it. */
    static String json(List<String> key) {
        try {
            return JSON.writeValueAsString(key);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a list of strings as JSON", e);
        }
    }

    /** Kafka's own partitioner for keyed records: positive murmur2 of the key bytes. */
    int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    Tick forTick(long tick, long tickMillis, DeliveryTracker.TickDelivery delivery) {
        return new Tick(tick, tickMillis, delivery);
    }

    /** Records of one tick attempt. */
    final class Tick {
        final long tick;
        final long tickMillis;
        final DeliveryTracker.TickDelivery delivery;
        private final Map<String, Object> partialOffset;
        private final Map<String, Object> finalOffset;

        private Tick(long tick, long tickMillis, DeliveryTracker.TickDelivery delivery) {
            this.tick = tick;
            this.tickMillis = tickMillis;
            this.delivery = delivery;
            this.partialOffset = Map.of(OFFSET_TICK, tick, OFFSET_PARTIAL, true);
            this.finalOffset = Map.of(OFFSET_TICK, tick);
        }

        TickRecord row(CapturedSource source, int weight, Map<String, String> values, Long streamTable) {
            String key = key(source, values);
            String value = RecordCodec.encode(new ChangeRecord.Row(tick, weight, values, streamTable));
            return record(source, partition(key), Schema.STRING_SCHEMA, key, value, false);
        }

        String deltaTopic(String schema, String streamTable) {
            return RecordFactory.this.deltaTopic(schema, streamTable);
        }

        /** A row of a stream table's FULL refresh result (weight 1), on the partition of the whole row. */
        /**
         * A row of a FULL stream table's result. It goes to partition 0 of the delta topic, whatever the
         * topic's partition count: one sink task then holds the whole tick (sink tasks split a topic's
         * partitions between them, and a tick split over two tasks would never complete).
         */
        TickRecord deltaRow(String topic, List<String> values) {
            String key = json(values);
            String value = RecordCodec.encode(new DeltaRecord.Row(tick, 1, values));
            return record(topic, 0, Schema.STRING_SCHEMA, key, value, false);
        }

        /** The end of the tick on partition 0 of a FULL stream table's delta topic; the only producer and partition. */
        TickRecord deltaEnd(String topic, long streamTable, boolean initial) {
            DeltaRecord.End end = new DeltaRecord.End(tick, streamTable, 0, 1, 1, tickMillis, initial);
            return record(topic, 0, Schema.OPTIONAL_STRING_SCHEMA, null, RecordCodec.encode(end), false);
        }

        TickRecord init(CapturedSource source, int partition, long streamTable, Long upstreamTick) {
            return record(source, partition, Schema.OPTIONAL_STRING_SCHEMA, null,
                    RecordCodec.encode(new ChangeRecord.Init(tick, streamTable, upstreamTick)), false);
        }

        TickRecord end(CapturedSource source, int partition, boolean lastOfTick) {
            return record(source, partition, Schema.OPTIONAL_STRING_SCHEMA, null,
                    RecordCodec.encode(new ChangeRecord.End(tick, partition, partitions, tickMillis)), lastOfTick);
        }

        private TickRecord record(CapturedSource source, int partition, Schema keySchema, String key, String value,
                                  boolean lastOfTick) {
            return record(topic(source), partition, keySchema, key, value, lastOfTick);
        }

        private TickRecord record(String topic, int partition, Schema keySchema, String key, String value,
                                  boolean lastOfTick) {
            return new TickRecord(sourcePartition, lastOfTick ? finalOffset : partialOffset, topic, partition,
                    keySchema, key, value, tickMillis, delivery, lastOfTick);
        }
    }
}
