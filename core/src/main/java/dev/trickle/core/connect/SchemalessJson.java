package dev.trickle.core.connect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a record value as Kafka's {@code JsonConverter} with {@code schemas.enable=false} reads it, into the same
 * Java values, but with Jackson's streaming parser instead of a tree: integers as {@code Long}, other numbers as
 * {@code Double} through {@code BigDecimal} (the converter parses floats as exact decimals and takes their
 * {@code doubleValue()}), strings, booleans, null, objects as {@code HashMap}, arrays as {@code ArrayList}.
 * Building the tree and converting it cost more than the rest of reading a change record; the values, and so
 * what the readers make of them, are the same (SchemalessJsonTest compares both on every PostgreSQL type).
 *
 * <p>Only the plain shape is read here: a JSON object with nothing after it and no integer beyond a long. For
 * anything else {@link #read} returns {@link #OTHER}, and the caller asks the converter itself, so that malformed
 * or unusual input gets exactly the converter's answer.
 */
public final class SchemalessJson {
    /** The value is not of the plain shape read here: ask the converter. */
    public static final Object OTHER = new Object();
    private static final JsonFactory FACTORY = new JsonFactory();

    private SchemalessJson() {
    }

    /** The value the converter would read from {@code data}, or {@link #OTHER}. */
    public static Object read(byte[] data) {
        if (data == null || data.length == 0) {
            return OTHER;
        }
        try (JsonParser p = FACTORY.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return OTHER;
            }
            Object value = object(p);
            return value == OTHER || p.nextToken() != null ? OTHER : value;
        } catch (IOException | RuntimeException e) {
            return OTHER;
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? OTHER : p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue().doubleValue();
            case START_OBJECT -> object(p);
            case START_ARRAY -> array(p);
            default -> OTHER;
        };
    }

    private static Object object(JsonParser p) throws IOException {
        Map<String, Object> map = new HashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                return OTHER;
            }
            String name = p.currentName();
            Object v = value(p, p.nextToken());
            if (v == OTHER) {
                return OTHER;
            }
            map.put(name, v);
        }
        return map;
    }

    private static Object array(JsonParser p) throws IOException {
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                return OTHER;
            }
            Object v = value(p, t);
            if (v == OTHER) {
                return OTHER;
            }
            list.add(v);
        }
        return list;
    }
}
