package dev.trickle.streams.operators;

/**
 * The state an operator keeps across ticks: named key-value stores private to the operator (for example
 * a join's index of each input by join key, or an aggregate's per-group accumulators). The runtime backs
 * them with its state stores; tests use {@link InMemoryOperatorState}.
 */
public interface OperatorState {
    /** Given to stateless operators: asking it for a store is a bug. */
    OperatorState NONE = new OperatorState() {
        @Override
        public <K, V> KeyValueState<K, V> store(String name) {
            throw new IllegalStateException("a stateless operator asked for state store " + name);
        }
    };

    /** The store called {@code name}, created empty on first use. */
    <K, V> KeyValueState<K, V> store(String name);

    /** A key-value store; null values are not stored (put null = delete). */
    interface KeyValueState<K, V> {
        V get(K key);

        void put(K key, V value);

        void delete(K key);
    }
}
