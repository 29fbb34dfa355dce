package dev.trickle.streams.operators;

import java.util.HashMap;
import java.util.Map;

/** Operator state held in memory (tests, and pipelines evaluated without a state backend). */
public final class InMemoryOperatorState implements OperatorState {
    private final Map<String, MapStore<?, ?>> stores = new HashMap<>();

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KeyValueState<K, V> store(String name) {
        return (KeyValueState<K, V>) stores.computeIfAbsent(name, n -> new MapStore<>());
    }

    private static final class MapStore<K, V> implements KeyValueState<K, V> {
        private final Map<K, V> map = new HashMap<>();

        @Override
        public V get(K key) {
            return map.get(key);
        }

        @Override
        public void put(K key, V value) {
            if (value == null) {
                map.remove(key);
            } else {
                map.put(key, value);
            }
        }

        @Override
        public void delete(K key) {
            map.remove(key);
        }
    }
}
