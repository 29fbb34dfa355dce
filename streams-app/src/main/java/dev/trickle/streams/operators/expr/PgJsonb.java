package dev.trickle.streams.operators.expr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL's jsonb operators and functions on jsonb values held as their text (PostgreSQL's output form).
 * Results that are jsonb are printed as {@code jsonb_out} prints them: keys ordered by length, then bytes;
 * {@code ", "} and {@code ": "} between items; numbers as numeric prints them; strings escaped as
 * {@code escape_json} escapes them. Semantics follow PostgreSQL 15's jsonfuncs.c and jsonb_util.c: a scalar
 * document is a one-element array to {@code ?}, {@code @>} and {@code ->} with an index, as it is stored.
 */
public final class PgJsonb {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    /** PostgreSQL's order of jsonb object keys: shorter first, then by bytes (lengthCompareJsonbString). */
    private static final Comparator<String> KEY_ORDER = Comparator.<String>comparingInt(k -> utf8(k).length)
            .thenComparing(PgJsonb::compareBytes);

    private PgJsonb() {
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a jsonb value: " + text, e);
        }
    }

    /** {@code doc -> key}: the object's field, else NULL. */
    public static String field(String doc, String key) {
        JsonNode d = parse(doc);
        return d.isObject() && d.has(key) ? print(d.get(key)) : null;
    }

    /** {@code doc -> index}: the array's element (negative counts from the end), else NULL. */
    public static String element(String doc, long index) {
        JsonNode e = element(parse(doc), index);
        return e == null ? null : print(e);
    }

    /** {@code doc ->> key} and {@code doc ->> index}: as text (a string unquoted, JSON null as SQL NULL). */
    public static String fieldText(String doc, String key) {
        JsonNode d = parse(doc);
        return d.isObject() && d.has(key) ? text(d.get(key)) : null;
    }

    public static String elementText(String doc, long index) {
        JsonNode e = element(parse(doc), index);
        return e == null ? null : text(e);
    }

    /** {@code doc #> path}: keys of objects and integer indexes of arrays, one per element of the text[] path. */
    public static String path(String doc, String textArray, boolean asText) {
        JsonNode node = parse(doc);
        for (String step : textArray(textArray)) {
            if (step == null) {
                return null;
            }
            if (node.isObject()) {
                node = node.get(step);
            } else if (node.isArray()) {
                Long index = integer(step);
                node = index == null ? null : element(node, index);
            } else {
                return null;
            }
            if (node == null) {
                return null;
            }
        }
        return asText ? text(node) : print(node);
    }

    /** {@code doc ? key}: an object's key, or a string element of an array (or the document itself). */
    public static boolean exists(String doc, String key) {
        JsonNode d = parse(doc);
        if (d.isObject()) {
            return d.has(key);
        }
        for (JsonNode e : asArray(d)) {
            if (e.isTextual() && e.textValue().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** {@code a @> b}, PostgreSQL's JsonbDeepContains from the top (a scalar is a raw one-element array). */
    public static boolean contains(String a, String b) {
        JsonNode x = parse(a);
        JsonNode y = parse(b);
        if (x.isObject() || y.isObject()) {
            return x.isObject() && y.isObject() && containsObject(x, y);
        }
        // an array does not contain a raw scalar's array the other way round: '1' @> '[1]' is false
        if (!x.isArray() && y.isArray()) {
            return false;
        }
        return containsArray(asArray(x), asArray(y));
    }

    /** jsonb equality: the same structure, numbers equal as numbers, arrays in order, objects by key. */
    public static boolean equal(String a, String b) {
        return equalNodes(parse(a), parse(b));
    }

    private static boolean equalNodes(JsonNode x, JsonNode y) {
        if (x.isObject() && y.isObject()) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode other = y.get(f.getKey());
                if (other == null || !equalNodes(f.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (x.isArray() && y.isArray()) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equalNodes(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return !x.isContainerNode() && !y.isContainerNode() && scalarEquals(x, y);
    }

    public static String typeOf(String doc) {
        JsonNode d = parse(doc);
        return d.isObject() ? "object" : d.isArray() ? "array" : d.isTextual() ? "string" : d.isNumber() ? "number"
                : d.isBoolean() ? "boolean" : "null";
    }

    /** The message is PostgreSQL's when the document is not an array. */
    public static long arrayLength(String doc) {
        JsonNode d = parse(doc);
        if (d.isArray()) {
            return d.size();
        }
        throw new IllegalStateException(d.isObject() ? "cannot get array length of a non-array"
                : "cannot get array length of a scalar");
    }

    private static JsonNode element(JsonNode d, long index) {
        List<JsonNode> items = asArray(d);
        long i = index < 0 ? items.size() + index : index;
        return i < 0 || i >= items.size() ? null : items.get((int) i);
    }

    private static List<JsonNode> asArray(JsonNode d) {
        List<JsonNode> out = new ArrayList<>();
        if (d.isArray()) {
            d.forEach(out::add);
        } else if (!d.isObject()) {
            out.add(d);
        }
        return out;
    }

    private static boolean containsObject(JsonNode x, JsonNode y) {
        for (Iterator<Map.Entry<String, JsonNode>> it = y.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode mine = x.get(f.getKey());
            if (mine == null || !containsValue(mine, f.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** A value inside an object: scalars equal, containers of the same kind containing. */
    private static boolean containsValue(JsonNode x, JsonNode y) {
        if (y.isObject()) {
            return x.isObject() && containsObject(x, y);
        }
        if (y.isArray()) {
            return x.isArray() && containsArray(asArray(x), asArray(y));
        }
        return !x.isContainerNode() && scalarEquals(x, y);
    }

    private static boolean containsArray(List<JsonNode> x, List<JsonNode> y) {
        for (JsonNode wanted : y) {
            boolean found = false;
            for (JsonNode e : x) {
                if (wanted.isContainerNode() ? e.isContainerNode() && containsValue(e, wanted)
                        : !e.isContainerNode() && scalarEquals(e, wanted)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private static boolean scalarEquals(JsonNode x, JsonNode y) {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue()) == 0;
        }
        return x.getNodeType() == y.getNodeType() && x.equals(y);
    }

    /** A one-dimensional text[] literal: {@code {a,"b c",NULL}} (unquoted elements trimmed, unquoted NULL is NULL). */
    static List<String> textArray(String literal) {
        String s = literal.strip();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            throw new IllegalStateException("malformed array literal: \"" + literal + "\"");
        }
        List<String> out = new ArrayList<>();
        String body = s.substring(1, s.length() - 1);
        if (body.isBlank()) {
            return out;
        }
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ',';
            if (quoted && c == '\\' && i + 1 < body.length()) {
                item.append(body.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                wasQuoted = true;
            } else if (c == ',' && !quoted) {
                String v = wasQuoted ? item.toString() : item.toString().strip();
                out.add(!wasQuoted && v.equalsIgnoreCase("NULL") ? null : v);
                item.setLength(0);
                wasQuoted = false;
            } else {
                item.append(c);
            }
        }
        return out;
    }

    private static Long integer(String step) {
        try {
            return Long.parseLong(step.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code ->>}'s text: a string's content, SQL NULL for JSON null, else the jsonb text. */
    static String text(JsonNode n) {
        return n.isTextual() ? n.textValue() : n.isNull() ? null : print(n);
    }

    /** jsonb_out's text for a value. */
    public static String print(JsonNode n) {
        StringBuilder b = new StringBuilder();
        print(n, b);
        return b.toString();
    }

    private static void print(JsonNode n, StringBuilder b) {
        if (n.isObject()) {
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            keys.sort(KEY_ORDER);
            b.append('{');
            for (int i = 0; i < keys.size(); i++) {
                b.append(i == 0 ? "" : ", ");
                quote(keys.get(i), b);
                b.append(": ");
                print(n.get(keys.get(i)), b);
            }
            b.append('}');
        } else if (n.isArray()) {
            b.append('[');
            for (int i = 0; i < n.size(); i++) {
                b.append(i == 0 ? "" : ", ");
                print(n.get(i), b);
            }
            b.append(']');
        } else if (n.isTextual()) {
            quote(n.textValue(), b);
        } else if (n.isNumber()) {
            // numeric_out: plain digits, the scale kept (1.50 stays 1.50), never negative (1e2 is 100)
            java.math.BigDecimal d = n.decimalValue();
            b.append(d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString());
        } else {
            b.append(n.isBoolean() ? (n.booleanValue() ? "true" : "false") : "null");
        }
    }

    /** escape_json. */
    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < ' ') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int compareBytes(String a, String b) {
        byte[] x = utf8(a);
        byte[] y = utf8(b);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(x[i] & 0xff, y[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
