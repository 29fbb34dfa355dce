package dev.trickle.streams.operators;

import dev.trickle.streams.rows.KeyTexts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Operator state in memory, ordered like the runtime's stores (unsigned bytewise): tests, the benchmark's
 * in-memory engine, and pipelines run without Kafka. One sorted map per operator store.
 */
public final class InMemoryStateBackend implements StateBackend {
    private final Map<String, TreeMap<byte[], byte[]>> stores = new HashMap<>();

    @Override
    public OperatorState forOperator(String operatorId) {
        return name -> new Store(stores.computeIfAbsent(operatorId + '\u0001' + name,
                k -> new TreeMap<>(KeyTexts::compare)));
    }

    @Override
    public void clear() {
        stores.values().forEach(Map::clear);
    }

    /** Number of entries over all operators (for tests that check state stays bounded). */
    public int size() {
        return stores.values().stream().mapToInt(Map::size).sum();
    }

    private static final class Store implements OperatorState.KeyValueState {
        private final TreeMap<byte[], byte[]> entries;

        Store(TreeMap<byte[], byte[]> entries) {
            this.entries = entries;
        }

        @Override
        public byte[] get(byte[] key) {
            return entries.get(key);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            if (value == null) {
                entries.remove(key);
            } else {
                entries.put(key, value);
            }
        }

        @Override
        public void delete(byte[] key) {
            entries.remove(key);
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
            List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
            for (Map.Entry<byte[], byte[]> e : entries.tailMap(prefix, true).entrySet()) {
                if (out.size() >= limit || !KeyTexts.startsWith(e.getKey(), prefix)) {
                    break;
                }
                out.add(Map.entry(e.getKey(), e.getValue()));
            }
            return out;
        }
    }
}
