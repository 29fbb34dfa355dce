package dev.trickle.core.connect;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Kafka's {@code JsonConverter}, byte for byte and value for value, that writes and reads records without schemas
 * ({@code schemas.enable=false}) without building a Jackson tree. {@code JsonConverter} turns each record into a
 * tree of nodes and serialises the tree (writing), or parses a tree and converts it (reading); in the Connect
 * worker that was the largest part of the cost per row change (docs/benchmarks.md, session 9). This class writes
 * a {@link Struct} whose fields are integers, floats, strings, booleans, nulls and nested Structs straight to
 * bytes ({@link StructPlan}, made once per schema, and {@link JsonBytes}; session 14: a Jackson generator per
 * record cost more than the bytes), and reads a plain JSON object with {@link SchemalessJson}; everything else
 * (schemas on, {@code schema.content}, logical types, bytes, arrays, maps, defaults, a value that does not fit its
 * schema, malformed input) goes to {@code JsonConverter} itself, so that it gets exactly its answer or its error.
 * {@code StreamingJsonConverterTest} compares both on the change and delta records and on random Structs.
 *
 * <p>Topics written by one are read by the other: consumers keep using {@code JsonConverter}.
 */
public class StreamingJsonConverter extends JsonConverter {
    /** How many schemas {@link #plans} remembers before it starts again (a topic's schemas are few and cached). */
    private static final int CHECKED_MAX = 1_000;

    /** Schemas off and no schema.content: the only case the fast paths handle. */
    private volatile boolean plain;
    /**
     * The write plans of the schemas seen (empty: JsonConverter writes them), by identity: the records of a topic
     * share their schema instances (TopicSchemas caches them), and walking a schema per record cost as much as
     * writing the record.
     */
    private final Map<RowSchema.SchemaId, Optional<StructPlan>> plans = new ConcurrentHashMap<>();

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
        if (plain && value instanceof Struct struct && schema != null && struct.schema().equals(schema)) {
            StructPlan plan = planCached(schema);
            byte[] out = plan == null ? null : write(plan, struct);
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

    /** How to write Structs of {@code schema}, or null where JsonConverter must (see {@link StructPlan#of}). */
    private StructPlan planCached(Schema schema) {
        if (!(schema instanceof ConnectSchema)) {
            return StructPlan.of(schema); // a SchemaBuilder may still change: not remembered
        }
        RowSchema.SchemaId key = new RowSchema.SchemaId(schema);
        Optional<StructPlan> known = plans.get(key);
        if (known == null) {
            if (plans.size() >= CHECKED_MAX) {
                plans.clear();
            }
            known = Optional.ofNullable(StructPlan.of(schema));
            plans.put(key, known);
        }
        return known.orElse(null);
    }

    /** The JSON JsonConverter writes for {@code struct}, or null where a value is not what its schema says. */
    private static byte[] write(StructPlan plan, Struct struct) {
        JsonBytes out = new JsonBytes(plan.sizeHint());
        return plan.write(out, struct) ? out.toByteArray() : null;
    }
}
