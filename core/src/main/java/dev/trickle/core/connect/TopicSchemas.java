package dev.trickle.core.connect;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * The key and value schemas of a change or delta topic for one set of columns, made once and then shared:
 * converters cache by schema, so the same columns must give the same schema objects; a change of columns
 * (a source's ADD COLUMN) gives new ones. See docs/record-format.md for the format.
 */
public final class TopicSchemas {
    private static final Map<List<Object>, Object> CACHE = new ConcurrentHashMap<>();

    private TopicSchemas() {
    }

    /**
     * A change topic's schemas. {@code keyColumns}: the source's primary key (empty: all columns are the key).
     * No columns at all (markers on a topic whose columns are not known yet) gives a row of no fields.
     */
    public static ChangeRecords change(String topic, List<String> columns, List<String> pgTypes,
                                       List<String> keyColumns) {
        return change(topic, columns, pgTypes, keyColumns, DecimalHandling.PRECISE);
    }

    /** A change topic's schemas with numerics as {@code decimals} says (decimal.handling.mode). */
    public static ChangeRecords change(String topic, List<String> columns, List<String> pgTypes,
                                       List<String> keyColumns, DecimalHandling decimals) {
        return (ChangeRecords) CACHE.computeIfAbsent(List.of("c", topic, columns, pgTypes, keyColumns, decimals), k -> {
            RowSchema row = RowSchema.of(ConnectNames.fullName(topic, "Value"), columns, pgTypes, decimals);
            List<Integer> key = new ArrayList<>();
            for (String c : keyColumns) {
                int i = columns.indexOf(c);
                if (i < 0) {
                    key.clear();
                    break;
                }
                key.add(i);
            }
            if (key.isEmpty()) {
                for (int i = 0; i < columns.size(); i++) {
                    key.add(i);
                }
            }
            return new ChangeRecords(row, keySchema(topic, columns, pgTypes, key, decimals),
                    changeEnvelope(ConnectNames.fullName(topic, "Envelope"), row.schema()));
        });
    }

    /** A delta topic's schemas. {@code keyPositions}: the stream table's unique key (empty: records have no key). */
    public static DeltaRecords delta(String topic, List<String> columns, List<String> pgTypes,
                                     List<Integer> keyPositions) {
        return delta(topic, columns, pgTypes, keyPositions, DecimalHandling.PRECISE);
    }

    /** A delta topic's schemas with numerics as {@code decimals} says (decimal.handling.mode). */
    public static DeltaRecords delta(String topic, List<String> columns, List<String> pgTypes,
                                     List<Integer> keyPositions, DecimalHandling decimals) {
        return (DeltaRecords) CACHE.computeIfAbsent(List.of("d", topic, columns, pgTypes, keyPositions, decimals), k -> {
            RowSchema row = RowSchema.of(ConnectNames.fullName(topic, "Value"), columns, pgTypes, decimals);
            return new DeltaRecords(row, keyPositions.isEmpty() ? null
                    : keySchema(topic, columns, pgTypes, keyPositions, decimals),
                    List.copyOf(keyPositions), deltaEnvelope(ConnectNames.fullName(topic, "Envelope"), row.schema()));
        });
    }

    private static RowSchema keySchema(String topic, List<String> columns, List<String> pgTypes, List<Integer> key,
                                       DecimalHandling decimals) {
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (int i : key) {
            names.add(columns.get(i));
            types.add(pgTypes.get(i));
        }
        return RowSchema.of(ConnectNames.fullName(topic, "Key"), names, types, decimals);
    }

    private static Schema changeEnvelope(String name, Schema row) {
        return SchemaBuilder.struct().name(name)
                .field("kind", Schema.STRING_SCHEMA)
                .field("tick", Schema.INT64_SCHEMA)
                .field("weight", Schema.OPTIONAL_INT32_SCHEMA)
                .field("stream_table", Schema.OPTIONAL_INT64_SCHEMA)
                .field("upstream_tick", Schema.OPTIONAL_INT64_SCHEMA)
                .field("partition", Schema.OPTIONAL_INT32_SCHEMA)
                .field("partitions", Schema.OPTIONAL_INT32_SCHEMA)
                .field("tick_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("row", row)
                .build();
    }

    private static Schema deltaEnvelope(String name, Schema row) {
        return SchemaBuilder.struct().name(name)
                .field("kind", Schema.STRING_SCHEMA)
                .field("tick", Schema.INT64_SCHEMA)
                .field("weight", Schema.OPTIONAL_INT64_SCHEMA)
                .field("stream_table", Schema.OPTIONAL_INT64_SCHEMA)
                .field("producer", Schema.OPTIONAL_INT32_SCHEMA)
                .field("producers", Schema.OPTIONAL_INT32_SCHEMA)
                .field("partitions", Schema.OPTIONAL_INT32_SCHEMA)
                .field("tick_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .field("initial", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .field("row", row)
                .build();
    }
}
