package dev.trickle.source;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.JsonBytes;
import dev.trickle.core.connect.TopicSchemas;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns rows and markers into Connect records: topic, partition, key, value and source offset. Keys and
 * values are Structs with Connect schemas (dev.trickle.core.connect, docs/record-format.md); the worker's
 * converters serialise them. Markers use the envelope of the topic's latest columns, so that a topic keeps
 * one value schema (a registry sees no second schema for markers); before any columns are known, one
 * with an empty row.
 *
 * <p>Source offsets: every record of tick N carries {@code {"tick": N, "partial": true}} except the
 * tick's very last record, which carries {@code {"tick": N}}. Connect commits the offset of the
 * latest record whose predecessors are all written, so a committed {@code {"tick": N}} means the
 * whole of tick N is in Kafka, while a committed partial offset means only tick N-1 is.
 */
final class RecordFactory {
    static final String OFFSET_TICK = "tick";
    static final String OFFSET_PARTIAL = "partial";

    private final String prefix;
    /** decimal.handling.mode: how numeric columns travel. */
    private final DecimalHandling decimals;
    private final int partitions;
    private final Map<String, String> sourcePartition;
    /** The schemas a topic's rows were last written with, for its markers. */
    private final Map<String, Object> latest = new ConcurrentHashMap<>();

    RecordFactory(String prefix, int partitions, String database) {
        this(prefix, partitions, database, DecimalHandling.PRECISE);
    }

    RecordFactory(String prefix, int partitions, String database, DecimalHandling decimals) {
        this.decimals = decimals;
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
     * The text the partition is chosen by: a JSON array of the key column values (all columns when the table
     * has no primary key), as before records had schemas, so partitions stay where they were. An UPDATE's
     * -old/+new of one key thus land on one partition, in order.
     */
    String partitionKey(CapturedSource source, Map<String, String> values) {
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

    /** A JSON array of strings, as an ObjectMapper writes it (the text partitions were always chosen by). */
    static String json(List<String> key) {
        return JsonBytes.stringArray(key);
    }

    /** Kafka's own partitioner for keyed records: positive murmur2 of the key bytes. */
    int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A change topic's schemas for the columns a tick read; the topic's markers use them from now on. */
    ChangeRecords changeSchemas(CapturedSource source, List<String> columns, List<String> types) {
        String topic = topic(source);
        ChangeRecords schemas = TopicSchemas.change(topic, columns, types, source.keyColumns(), decimals);
        latest.put(topic, schemas);
        return schemas;
    }

    /** A FULL stream table's delta topic schemas for its query's columns (no key: the planner's key is not known here). */
    DeltaRecords deltaSchemas(String topic, List<String> columns, List<String> types) {
        DeltaRecords schemas = TopicSchemas.delta(topic, columns, types, List.of(), decimals);
        latest.put(topic, schemas);
        return schemas;
    }

    private ChangeRecords markerSchemas(CapturedSource source) {
        String topic = topic(source);
        return latest.get(topic) instanceof ChangeRecords c ? c
                : TopicSchemas.change(topic, List.of(), List.of(), List.of());
    }

    private DeltaRecords markerSchemas(String deltaTopic) {
        return latest.get(deltaTopic) instanceof DeltaRecords d ? d
                : TopicSchemas.delta(deltaTopic, List.of(), List.of(), List.of());
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

        ChangeRecords changeSchemas(CapturedSource source, List<String> columns, List<String> types) {
            return RecordFactory.this.changeSchemas(source, columns, types);
        }

        DeltaRecords deltaSchemas(String topic, List<String> columns, List<String> types) {
            return RecordFactory.this.deltaSchemas(topic, columns, types);
        }

        TickRecord row(CapturedSource source, ChangeRecords schemas, int weight, Map<String, String> values,
                       Long streamTable) {
            Struct value = schemas.value(new ChangeRecord.Row(tick, weight, values, streamTable));
            return record(topic(source), partition(partitionKey(source, values)), schemas.keySchema(),
                    schemas.key(values), schemas.valueSchema(), value, false);
        }

        String deltaTopic(String schema, String streamTable) {
            return RecordFactory.this.deltaTopic(schema, streamTable);
        }

        /**
         * A row of a FULL stream table's result. It goes to partition 0 of the delta topic, whatever the
         * topic's partition count: one sink task then holds the whole tick (sink tasks split a topic's
         * partitions between them, and a tick split over two tasks would never complete).
         */
        TickRecord deltaRow(String topic, DeltaRecords schemas, List<String> values) {
            Struct value = schemas.value(new DeltaRecord.Row(tick, 1, values));
            return record(topic, 0, schemas.keySchema(), schemas.key(values), schemas.valueSchema(), value, false);
        }

        /** The end of the tick on partition 0 of a FULL stream table's delta topic; the only producer and partition. */
        TickRecord deltaEnd(String topic, long streamTable, boolean initial) {
            DeltaRecord.End end = new DeltaRecord.End(tick, streamTable, 0, 1, 1, tickMillis, initial);
            DeltaRecords schemas = markerSchemas(topic);
            return record(topic, 0, null, null, schemas.valueSchema(), schemas.value(end), false);
        }

        TickRecord init(CapturedSource source, int partition, long streamTable, Long upstreamTick) {
            ChangeRecords schemas = markerSchemas(source);
            return record(topic(source), partition, null, null, schemas.valueSchema(),
                    schemas.value(new ChangeRecord.Init(tick, streamTable, upstreamTick)), false);
        }

        TickRecord end(CapturedSource source, int partition, boolean lastOfTick) {
            ChangeRecords schemas = markerSchemas(source);
            return record(topic(source), partition, null, null, schemas.valueSchema(),
                    schemas.value(new ChangeRecord.End(tick, partition, partitions, tickMillis)), lastOfTick);
        }

        private TickRecord record(String topic, int partition, Schema keySchema, Object key, Schema valueSchema,
                                  Struct value, boolean lastOfTick) {
            return new TickRecord(sourcePartition, lastOfTick ? finalOffset : partialOffset, topic, partition,
                    keySchema, key, valueSchema, value, tickMillis, delivery, lastOfTick);
        }
    }
}
