package dev.trickle.core.connect;

import dev.trickle.core.records.MalformedRecordException;
import org.apache.kafka.connect.data.Struct;

/** Checks shared by the change and delta readers. */
final class Envelope {
    private Envelope() {
    }

    static Struct struct(Object value, String what) {
        if (value instanceof Struct s && s.schema().field("kind") != null && s.schema().field("tick") != null) {
            return s;
        }
        String shown = value == null ? "null" : value instanceof Struct s ? "a Struct " + s.schema().name()
                : "a " + value.getClass().getSimpleName() + " " + abbreviate(value);
        throw new MalformedRecordException("a " + what + " record is a Struct with fields kind and tick (a Trickle "
                + "envelope), not " + shown + "; check that value.converter is the one that wrote the topic");
    }

    static Struct row(Struct envelope) {
        if (envelope.schema().field("row") == null || envelope.get("row") == null) {
            throw new MalformedRecordException("a row record without a row: " + abbreviate(envelope));
        }
        return envelope.getStruct("row");
    }

    static <T> T required(T value, String field, Struct s) {
        if (value == null) {
            throw new MalformedRecordException("record has no field \"" + field + "\": " + abbreviate(s));
        }
        return value;
    }

    static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
