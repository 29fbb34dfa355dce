package dev.trickle.core.connect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Kafka's {@code JsonConverter}, byte for byte and value for value, that writes and reads records without schemas
 * ({@code schemas.enable=false}) without building a Jackson tree. {@code JsonConverter} turns each record into a
 * tree of nodes and serialises the tree (writing), or parses a tree and converts it (reading); in the Connect
 * worker that was the largest part of the cost per row change (docs/benchmarks.md, session 9). This class writes
 * a {@link Struct} whose fields are integers, floats, strings, booleans, nulls and nested Structs straight to a
 * {@link JsonGenerator}, and reads a plain JSON object with {@link SchemalessJson}; everything else (schemas on,
 * {@code schema.content}, logical types, bytes, arrays, maps, defaults, a value that does not fit its
 * schema, malformed input) goes to {@code JsonConverter} itself, so that it gets exactly its answer or its error.
 * {@code StreamingJsonConverterTest} compares both on the change and delta records and on random Structs.
 *
 * <p>Topics written by one are read by the other: consumers keep using {@code JsonConverter}.
 */
public class StreamingJsonConverter extends JsonConverter {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Kafka's logical types, which JsonConverter writes by their own rules. */
    private static final Set<String> LOGICAL = Set.of(Decimal.LOGICAL_NAME, Date.LOGICAL_NAME, Time.LOGICAL_NAME,
            Timestamp.LOGICAL_NAME);

    /** How many schemas {@link #checked} remembers before it starts again (a topic's schemas are few and cached). */
    private static final int CHECKED_MAX = 1_000;

    /** Schemas off and no schema.content: the only case the fast paths handle. */
    private volatile boolean plain;
    /**
     * {@link #writable} of the schemas seen, by identity: the records of a topic share their schema instances
     * (TopicSchemas caches them), and walking a schema per record cost as much as writing the record.
     */
    private final Map<RowSchema.SchemaId, Boolean> checked = new ConcurrentHashMap<>();

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        // parsed, not a second JsonConverterConfig: that would log every setting once more
        Map<String, Object> parsed = JsonConverterConfig.configDef().parse(configs);
        plain = Boolean.FALSE.equals(parsed.get(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG))
                && parsed.get(JsonConverterConfig.SCHEMA_CONTENT_CONFIG) == null;
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (plain && value instanceof Struct struct && schema != null && writableCached(schema)
                && struct.schema().equals(schema)) {
            byte[] out = write(struct);
            if (out != null) {
                return out;
            }
        }
        return super.fromConnectData(topic, schema, value);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        if (plain) {
            Object v = SchemalessJson.read(value);
            if (v != SchemalessJson.OTHER) {
                return new SchemaAndValue(null, v);
            }
        }
        return super.toConnectData(topic, value);
    }

    private boolean writableCached(Schema schema) {
        if (!(schema instanceof ConnectSchema)) {
            return writable(schema); // a SchemaBuilder may still change: not remembered
        }
        RowSchema.SchemaId key = new RowSchema.SchemaId(schema);
        Boolean known = checked.get(key);
        if (known == null) {
            if (checked.size() >= CHECKED_MAX) {
                checked.clear();
            }
            known = writable(schema);
            checked.put(key, known);
        }
        return known;
    }

    /**
     * Whether every field, at any depth, is of a type written here the way JsonConverter writes it: no logical
     * type and no default value (which JsonConverter may write in place of a null).
     */
    private static boolean writable(Schema schema) {
        if (schema.defaultValue() != null || schema.name() != null && LOGICAL.contains(schema.name())) {
            return false;
        }
        return switch (schema.type()) {
            case INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING -> true;
            case STRUCT -> schema.fields().stream().allMatch(f -> writable(f.schema()));
            default -> false;
        };
    }

    /** The JSON JsonConverter writes for {@code struct}, or null where a value is not what its schema says. */
    private static byte[] write(Struct struct) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(256);
             JsonGenerator g = FACTORY.createGenerator(bytes)) {
            if (!writeStruct(g, struct)) {
                return null;
            }
            g.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            return null; // not from memory; JsonConverter says what is wrong
        }
    }

    private static boolean writeStruct(JsonGenerator g, Struct struct) throws IOException {
        g.writeStartObject();
        for (Field f : struct.schema().fields()) {
            g.writeFieldName(f.name());
            if (!writeValue(g, f.schema(), struct.get(f))) {
                return false;
            }
        }
        g.writeEndObject();
        return true;
    }

    private static boolean writeValue(JsonGenerator g, Schema schema, Object v) throws IOException {
        if (v == null) {
            if (!schema.isOptional()) {
                return false; // JsonConverter's error
            }
            g.writeNull();
            return true;
        }
        switch (schema.type()) {
            case INT8, INT16, INT32 -> {
                if (!matches(schema.type(), v)) {
                    return false;
                }
                g.writeNumber(((Number) v).intValue());
            }
            case INT64 -> {
                if (!(v instanceof Long l)) {
                    return false;
                }
                g.writeNumber(l);
            }
            case FLOAT32 -> {
                if (!(v instanceof Float f)) {
                    return false;
                }
                g.writeNumber(f); // NaN and infinities as JSON strings, as JsonConverter's generator writes them
            }
            case FLOAT64 -> {
                if (!(v instanceof Double d)) {
                    return false;
                }
                g.writeNumber(d);
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean b)) {
                    return false;
                }
                g.writeBoolean(b);
            }
            case STRING -> {
                if (!(v instanceof CharSequence s)) {
                    return false;
                }
                g.writeString(s.toString());
            }
            case STRUCT -> {
                if (!(v instanceof Struct s) || !s.schema().equals(schema)) {
                    return false;
                }
                return writeStruct(g, s);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The Java class JsonConverter casts an integer of this width to. */
    private static boolean matches(Schema.Type type, Object v) {
        return switch (type) {
            case INT8 -> v instanceof Byte;
            case INT16 -> v instanceof Short;
            default -> v instanceof Integer;
        };
    }
}
