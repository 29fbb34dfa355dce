package dev.trickle.core.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text for change and delta records. The change and delta topics no longer carry it (they carry Connect
 * Structs through converters, dev.trickle.core.connect and docs/record-format.md); the streams app's internal
 * gather topic still does, until the binary codec inside replaces it:
 * <pre>
 * {"k":"row","tick":7,"w":1,"row":{"id":"1","note":null}}      change row ("st":5 on snapshot rows)
 * {"k":"init","tick":7,"st":5}                                 stream table 5 starts at tick 7
 * {"k":"init","tick":7,"st":5,"up":6}                          on an upstream's topic: its rows show its tick 6
 * {"k":"end","tick":7,"p":0,"n":4,"ts":1700000000000}          end of tick 7 on partition 0 of 4
 * {"k":"row","tick":7,"w":-2,"row":["1",null]}                 delta row
 * {"k":"end","tick":7,"st":5,"from":0,"of":4,"parts":1,"ts":..,"init":false}   delta end marker
 * </pre>
 */
public final class RecordCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RecordCodec() {
    }

    public static String encode(ChangeRecord record) {
        ObjectNode n = JSON.createObjectNode();
        if (record instanceof ChangeRecord.Row r) {
            n.put("k", "row").put("tick", r.tick()).put("w", r.weight());
            ObjectNode row = n.putObject("row");
            r.values().forEach(row::put);
            if (r.streamTable() != null) {
                n.put("st", r.streamTable());
            }
        } else if (record instanceof ChangeRecord.Init i) {
            n.put("k", "init").put("tick", i.tick()).put("st", i.streamTable());
            if (i.upstreamTick() != null) {
                n.put("up", i.upstreamTick());
            }
        } else if (record instanceof ChangeRecord.End e) {
            n.put("k", "end").put("tick", e.tick()).put("p", e.partition()).put("n", e.partitions())
                    .put("ts", e.tickMillis());
        }
        return n.toString();
    }

    public static String encode(DeltaRecord record) {
        ObjectNode n = JSON.createObjectNode();
        if (record instanceof DeltaRecord.Row r) {
            n.put("k", "row").put("tick", r.tick()).put("w", r.weight());
            ArrayNode row = n.putArray("row");
            r.values().forEach(row::add);
        } else if (record instanceof DeltaRecord.End e) {
            n.put("k", "end").put("tick", e.tick()).put("st", e.streamTable()).put("from", e.producer())
                    .put("of", e.producers()).put("parts", e.partitions()).put("ts", e.tickMillis())
                    .put("init", e.initial());
        }
        return n.toString();
    }

    public static ChangeRecord decodeChange(String text) {
        JsonNode n = parse(text);
        String kind = text(n, "k", text);
        long tick = number(n, "tick", text);
        switch (kind) {
            case "row": {
                JsonNode row = n.get("row");
                if (row == null || !row.isObject()) {
                    throw new MalformedRecordException("change record without a \"row\" object: " + abbreviate(text));
                }
                Map<String, String> values = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    values.put(f.getKey(), f.getValue().isNull() ? null : f.getValue().asText());
                }
                JsonNode st = n.get("st");
                return new ChangeRecord.Row(tick, (int) number(n, "w", text), values, st == null ? null : st.asLong());
            }
            case "init":
                return new ChangeRecord.Init(tick, number(n, "st", text),
                        n.has("up") ? Long.valueOf(number(n, "up", text)) : null);
            case "end":
                return new ChangeRecord.End(tick, (int) number(n, "p", text), (int) number(n, "n", text),
                        number(n, "ts", text));
            default:
                throw new MalformedRecordException("unknown change record kind \"" + kind + "\": " + abbreviate(text));
        }
    }

    public static DeltaRecord decodeDelta(String text) {
        JsonNode n = parse(text);
        String kind = text(n, "k", text);
        long tick = number(n, "tick", text);
        switch (kind) {
            case "row": {
                JsonNode row = n.get("row");
                if (row == null || !row.isArray()) {
                    throw new MalformedRecordException("delta record without a \"row\" array: " + abbreviate(text));
                }
                List<String> values = new ArrayList<>(row.size());
                row.forEach(v -> values.add(v.isNull() ? null : v.asText()));
                return new DeltaRecord.Row(tick, number(n, "w", text), Collections.unmodifiableList(values));
            }
            case "end":
                return new DeltaRecord.End(tick, number(n, "st", text), (int) number(n, "from", text),
                        (int) number(n, "of", text), (int) number(n, "parts", text), number(n, "ts", text),
                        n.path("init").asBoolean(false));
            default:
                throw new MalformedRecordException("unknown delta record kind \"" + kind + "\": " + abbreviate(text));
        }
    }

    private static JsonNode parse(String text) {
        if (text == null) {
            throw new MalformedRecordException("empty record value (null)");
        }
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                throw new MalformedRecordException("record value is not a JSON object: " + abbreviate(text));
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("record value is not JSON (" + e.getOriginalMessage() + "): "
                    + abbreviate(text), e);
        }
    }

    private static String text(JsonNode n, String field, String record) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new MalformedRecordException("record has no text field \"" + field + "\": " + abbreviate(record));
        }
        return v.asText();
    }

    private static long number(JsonNode n, String field, String record) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new MalformedRecordException("record has no integer field \"" + field + "\": " + abbreviate(record));
        }
        return v.asLong();
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
