package dev.trickle.streams.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A tick's input delta kept in a state store until the tick is complete, so that a Kafka Streams
 * commit in the middle of a tick loses nothing. Rows are consolidated as they arrive (a row inserted
 * and deleted within the tick cancels out).
 */
final class TickBuffer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> ROW_TYPE = new TypeReference<>() { };
    private final KeyValueStore<String, Long> store;

    TickBuffer(KeyValueStore<String, Long> store) {
        this.store = store;
    }

    void add(long tick, int source, Map<String, String> values, long weight) {
        String key = tickKey(tick) + "|" + source + "|" + encode(values);
        Long before = store.get(key);
        long sum = (before == null ? 0 : before) + weight;
        if (sum == 0) {
            store.delete(key);
        } else {
            store.put(key, sum);
        }
    }

    /** Removes and returns the tick's delta per source name ({@code sourceName} maps a source index). */
    Map<String, ZSet<Map<String, String>>> drain(long tick, IntFunction<String> sourceName) {
        Map<String, ZSet<Map<String, String>>> inputs = new HashMap<>();
        List<String> consumed = new ArrayList<>();
        String prefix = tickKey(tick) + "|";
        try (KeyValueIterator<String, Long> it = store.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                var kv = it.next();
                consumed.add(kv.key);
                int bar = kv.key.indexOf('|', prefix.length());
                int source = Integer.parseInt(kv.key.substring(prefix.length(), bar));
                inputs.computeIfAbsent(sourceName.apply(source), k -> new ZSet<>()).add(decode(kv.key.substring(bar + 1)), kv.value);
            }
        }
        consumed.forEach(store::delete);
        return inputs;
    }

    /** Removes the rows of one source at one tick without using them (a tick that is not run). */
    void discard(long tick, int source) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = store.prefixScan(tickKey(tick) + "|" + source + "|",
                new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    /**
     * For one source: deletes its rows of ticks at or below {@code after}, and adds its rows of ticks in
     * ({@code after}, {@code upTo}] to tick {@code into} (where they are consolidated with what is there).
     */
    void fold(int source, long after, long upTo, long into) {
        String infix = "|" + source + "|";
        List<KeyValue<String, Long>> moved = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        // "}" sorts right after "|": the upper bound takes every key of tick upTo and none after it
        try (KeyValueIterator<String, Long> it = store.range(tickKey(0), tickKey(upTo) + "}")) {
            while (it.hasNext()) {
                var kv = it.next();
                int bar = kv.key.indexOf('|');
                if (!kv.key.startsWith(infix, bar)) {
                    continue;
                }
                long tick = Long.parseLong(kv.key.substring(0, bar));
                if (tick == into) {
                    continue;
                }
                gone.add(kv.key);
                if (tick > after) {
                    moved.add(KeyValue.pair(kv.key.substring(bar + infix.length()), kv.value));
                }
            }
        }
        gone.forEach(store::delete);
        for (KeyValue<String, Long> row : moved) {
            String key = tickKey(into) + infix + row.key;
            Long before = store.get(key);
            long sum = (before == null ? 0 : before) + row.value;
            if (sum == 0) {
                store.delete(key);
            } else {
                store.put(key, sum);
            }
        }
    }

    static String tickKey(long tick) {
        return String.format("%019d", tick);
    }

    private static String encode(Map<String, String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a row", e);
        }
    }

    private static Map<String, String> decode(String json) {
        try {
            return JSON.readValue(json, ROW_TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt pending row in the state store: " + json, e);
        }
    }
}
