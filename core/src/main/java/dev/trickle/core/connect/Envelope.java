package dev.trickle.core.connect;

import dev.trickle.core.records.MalformedRecordException;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * The envelope of a change or delta record as a converter hands it back: a Struct (schemas on, Avro) or a Map
 * (JsonConverter without schemas, where every integer is a Long). Fields are read by name, numbers by value.
 */
final class Envelope {
    private final Struct struct;
    private final Map<?, ?> map;

    private Envelope(Struct struct, Map<?, ?> map) {
        this.struct = struct;
        this.map = map;
    }

    static Envelope of(Object value, String what) {
        if (value instanceof Struct s && s.schema().field("kind") != null && s.schema().field("tick") != null) {
            return new Envelope(s, null);
        }
        if (value instanceof Map<?, ?> m && m.get("kind") instanceof String && m.get("tick") instanceof Number) {
            return new Envelope(null, m);
        }
        String shown = value == null ? "null" : value instanceof Struct s ? "a Struct " + s.schema().name()
                : "a " + value.getClass().getSimpleName() + " " + abbreviate(value);
        throw new MalformedRecordException("a " + what + " record is a Struct or map with fields kind and tick (a "
                + "Trickle envelope), not " + shown + "; check that value.converter is the one that wrote the topic");
    }

    Object get(String name) {
        if (map != null) {
            return map.get(name);
        }
        Field f = struct.schema().field(name);
        return f == null ? null : struct.get(f);
    }

    String kind() {
        return (String) get("kind");
    }

    long tick() {
        return ((Number) get("tick")).longValue();
    }

    Long optionalLong(String name) {
        Object v = get(name);
        return v == null ? null : ((Number) v).longValue();
    }

    long requiredLong(String name) {
        return required(optionalLong(name), name);
    }

    int requiredInt(String name) {
        return Math.toIntExact(requiredLong(name));
    }

    boolean flag(String name) {
        return Boolean.TRUE.equals(get(name));
    }

    Object row() {
        Object row = get("row");
        if (row == null) {
            throw new MalformedRecordException("a row record without a row: " + this);
        }
        return row;
    }

    private <T> T required(T value, String field) {
        if (value == null) {
            throw new MalformedRecordException("record has no field \"" + field + "\": " + this);
        }
        return value;
    }

    @Override
    public String toString() {
        return abbreviate(map != null ? map : struct);
    }

    static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
