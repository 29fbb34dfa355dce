package dev.trickle.streams.operators;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A byte store seen as strings (UTF-8 keys and values), for operators whose state is text: the store's
 * byte order is then the code point order of the keys. Operators on the hot path of a tick (joins,
 * aggregates) keep bytes directly and do not come through here.
 */
public final class TextState {
    private final OperatorState.KeyValueState store;

    private TextState(OperatorState.KeyValueState store) {
        this.store = store;
    }

    public static TextState of(OperatorState.KeyValueState store) {
        return new TextState(store);
    }

    public String get(String key) {
        return text(store.get(utf8(key)));
    }

    /** Puts {@code value} under {@code key}; null deletes. */
    public void put(String key, String value) {
        store.put(utf8(key), value == null ? null : utf8(value));
    }

    public void delete(String key) {
        store.delete(utf8(key));
    }

    /** Every entry whose key starts with {@code prefix}, in key order. */
    public List<Map.Entry<String, String>> prefix(String prefix) {
        return prefix(prefix, Integer.MAX_VALUE);
    }

    /** The first {@code limit} entries whose key starts with {@code prefix}, in key order. */
    public List<Map.Entry<String, String>> prefix(String prefix, int limit) {
        List<Map.Entry<byte[], byte[]>> entries = store.prefix(utf8(prefix), limit);
        List<Map.Entry<String, String>> out = new ArrayList<>(entries.size());
        for (Map.Entry<byte[], byte[]> e : entries) {
            out.add(Map.entry(text(e.getKey()), text(e.getValue())));
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
