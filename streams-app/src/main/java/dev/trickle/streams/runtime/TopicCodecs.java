package dev.trickle.streams.runtime;

import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.connect.SchemalessJson;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.streams.sql.SourceColumn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.Converter;

/**
 * The change and delta topics' serdes, built from the same converter classes and settings as the Connect
 * worker's ({@code key.converter}, {@code value.converter} and their {@code .*} settings in
 * streams-app.properties), so that one change of converter switches the whole pipeline.
 *
 * <p>Reading never throws: a record the converter cannot read, or that is not a Trickle envelope, comes out
 * as a {@link MalformedRecordException}, which the processors of the stream tables reading the topic turn
 * into that stream table's error ({@link BadInput}), as for any other malformed record.
 *
 * <p>Writing a delta topic needs the stream table's column types (from its storage table, see
 * {@link #outputTypes}) and its unique key ({@link #uniqueKey}, positions in the row; none: records without key).
 */
public final class TopicCodecs {
    private final Converter keys;
    private final Converter values;
    /** decimal.handling.mode of the delta records written here. */
    private final DecimalHandling decimals;
    private final Map<Long, List<String>> outputTypes = new ConcurrentHashMap<>();
    private final Map<Long, List<Integer>> uniqueKeys = new ConcurrentHashMap<>();
    /** The value converter is JsonConverter without schemas: values are read by {@link SchemalessJson}. */
    private final boolean schemalessJson;

    /** Numerics written precise (decimal.handling.mode's default). */
    public TopicCodecs(Converter keys, Converter values) {
        this(keys, values, DecimalHandling.PRECISE);
    }

    public TopicCodecs(Converter keys, Converter values, DecimalHandling decimals) {
        this.keys = keys;
        this.values = values;
        this.decimals = decimals;
        this.schemalessJson = isSchemalessJson(values);
    }

    /**
     * Whether {@code converter} is Kafka's JsonConverter configured without schemas (it has no getter for that: a
     * converter with schemas refuses an object without its "schema" and "payload" fields).
     */
    static boolean isSchemalessJson(Converter converter) {
        if (converter == null || converter.getClass() != JsonConverter.class) {
            return false;
        }
        try {
            return converter.toConnectData("probe", "{\"probe\": 1}".getBytes(StandardCharsets.UTF_8))
                    .value() instanceof Map;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** As config/ ships it: JsonConverter without schemas, numerics as strings (decimal.handling.mode=string). */
    public static TopicCodecs json() {
        JsonConverter k = new JsonConverter();
        k.configure(Map.of("schemas.enable", "false"), true);
        JsonConverter v = new JsonConverter();
        v.configure(Map.of("schemas.enable", "false"), false);
        return new TopicCodecs(k, v, DecimalHandling.STRING);
    }

    /** Stream table {@code id}'s column types ({@code format_type} spelling), in column order. */
    public void outputTypes(long id, List<String> types) {
        outputTypes.put(id, List.copyOf(types));
    }

    /** Stream table {@code id}'s unique key: positions of its columns (empty: no key). */
    public void uniqueKey(long id, List<Integer> positions) {
        uniqueKeys.put(id, List.copyOf(positions));
    }

    /** The delta topic's schemas of a stream table; columns of unknown type travel as text. */
    DeltaRecords deltaSchemas(RunnableStreamTable table) {
        List<String> columns = table.compiled().outputColumns();
        List<String> types = outputTypes.get(table.id());
        if (types == null || types.size() != columns.size()) {
            types = Collections.nCopies(columns.size(), "text");
        }
        return TopicSchemas.delta(table.deltaTopic(), columns, types, uniqueKeys.getOrDefault(table.id(), List.of()),
                decimals);
    }

    /** Keys of the input topics are not read (partitions already group what belongs together). */
    Deserializer<Object> inputKeys() {
        return (topic, data) -> null;
    }

    /**
     * Change topic values: a ChangeRecord, or a MalformedRecordException. Rows are read by the source's columns as
     * the stream tables reading {@code topic} were planned with them (by name: the union of theirs), not by the
     * record's schema, which a converter without schemas does not carry.
     */
    Deserializer<Object> changeValues(String topic, Collection<RunnableStreamTable> readers) {
        Map<String, String> types = new LinkedHashMap<>();
        for (RunnableStreamTable t : readers) {
            t.compiled().sources().get(t.sourceIndex(topic)).columns().forEach(c -> types.put(c.name(), c.pgType()));
        }
        RowReader columns = RowReader.of(new ArrayList<>(types.keySet()), new ArrayList<>(types.values()));
        return (t, data) -> {
            try {
                return ChangeRecords.decode(read(t, data), columns);
            } catch (MalformedRecordException e) {
                return e;
            }
        };
    }

    /**
     * Upstream delta topic values: a DeltaRecord, or a MalformedRecordException. Rows are read by the upstream
     * stream table's columns (its storage table, as the readers were planned with it), in their order.
     */
    Deserializer<Object> deltaValues(String topic, Collection<RunnableStreamTable> readers) {
        RunnableStreamTable first = readers.iterator().next();
        List<SourceColumn> cols = first.compiled().sources().get(first.upstreamIndex(topic)).columns();
        RowReader columns = RowReader.of(cols.stream().map(SourceColumn::name).toList(),
                cols.stream().map(SourceColumn::pgType).toList());
        return (t, data) -> {
            Object value = null;
            try {
                value = read(t, data);
                return DeltaRecords.decode(value, columns);
            } catch (MalformedRecordException e) {
                Long tick = value == null ? null : rowTick(value);
                return tick == null ? e : new OtherColumns(tick, e);
            }
        };
    }

    /**
     * A delta row in Trickle's envelope whose fields are not the columns the readers were planned with: written
     * by the upstream's plan for other columns (its query changed), not by a foreign writer. Its tick lets a
     * reader skip it when it is at or below its floor (the old generation's rows) without reading its values.
     */
    record OtherColumns(long tick, MalformedRecordException error) {
    }

    /** The tick of a record in the delta row envelope (kind "row", a tick, a weight, a row), or null. */
    private static Long rowTick(Object value) {
        Object kind;
        Object tick;
        Object weight;
        Object row;
        if (value instanceof Map<?, ?> m) {
            kind = m.get("kind");
            tick = m.get("tick");
            weight = m.get("weight");
            row = m.get("row");
        } else if (value instanceof org.apache.kafka.connect.data.Struct s && s.schema().field("kind") != null
                && s.schema().field("tick") != null && s.schema().field("weight") != null
                && s.schema().field("row") != null) {
            kind = s.get("kind");
            tick = s.get("tick");
            weight = s.get("weight");
            row = s.get("row");
        } else {
            return null;
        }
        boolean envelope = "row".equals(String.valueOf(kind)) && tick instanceof Number && weight instanceof Number
                && row != null;
        return envelope ? ((Number) tick).longValue() : null;
    }

    private Object read(String topic, byte[] data) {
        if (data == null) {
            throw new MalformedRecordException("empty record value (null)");
        }
        if (schemalessJson) {
            Object value = SchemalessJson.read(data);
            if (value != SchemalessJson.OTHER) {
                return value;
            }
        }
        try {
            return values.toConnectData(topic, data).value();
        } catch (RuntimeException e) {
            throw new MalformedRecordException(values.getClass().getSimpleName() + " cannot read the record value ("
                    + e.getMessage() + ")", e);
        }
    }

    /** A delta row's key (the row's values; null for end markers) as the unique key's Struct, or no key. */
    Serializer<Object> deltaKeys(RunnableStreamTable table) {
        DeltaRecords schemas = deltaSchemas(table);
        return (topic, row) -> {
            if (row == null || schemas.keySchema() == null) {
                return null;
            }
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) row;
            return keys.fromConnectData(topic, schemas.keySchema(), schemas.key(values));
        };
    }

    Serializer<Object> deltaValues(RunnableStreamTable table) {
        DeltaRecords schemas = deltaSchemas(table);
        return (topic, record) -> values.fromConnectData(topic, schemas.valueSchema(),
                schemas.value((DeltaRecord) record));
    }

    /** The unique key positions of a stream table (empty: none). */
    List<Integer> uniqueKey(RunnableStreamTable table) {
        return uniqueKeys.getOrDefault(table.id(), List.of());
    }
}
