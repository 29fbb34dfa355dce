package dev.trickle.streams.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Operator state in memory, ordered like the runtime's stores (tests, and pipelines run without Kafka). */
public final class InMemoryStateBackend implements StateBackend {
    private final TreeMap<String, String> entries = new TreeMap<>();

    @Override
    public OperatorState forOperator(String operatorId) {
        return name -> new Store(operatorId + '\u0001' + name + '\u0001');
    }

    @Override
    public void clear() {
        entries.clear();
    }

    /** Number of entries over all operators (for tests that check state stays bounded). */
    public int size() {
        return entries.size();
    }

    private final class Store implements OperatorState.KeyValueState {
        private final String namespace;

        Store(String namespace) {
            this.namespace = namespace;
        }

        @Override
        public String get(String key) {
            return entries.get(namespace + key);
        }

        @Override
        public void put(String key, String value) {
            if (value == null) {
                entries.remove(namespace + key);
            } else {
                entries.put(namespace + key, value);
            }
        }

        @Override
        public void delete(String key) {
            entries.remove(namespace + key);
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String prefix) {
            return prefix(prefix, Integer.MAX_VALUE);
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String prefix, int limit) {
            String from = namespace + prefix;
            List<Map.Entry<String, String>> out = new ArrayList<>();
            for (Map.Entry<String, String> e : entries.tailMap(from, true).entrySet()) {
                if (out.size() >= limit || !e.getKey().startsWith(from)) {
                    break;
                }
                out.add(Map.entry(e.getKey().substring(namespace.length()), e.getValue()));
            }
            return out;
        }
    }
}
