package dev.trickle.streams.operators;

import java.util.List;
import java.util.Map;

/**
 * The state an operator keeps across ticks: named key-value stores private to the operator (for example
 * a join's index of each input by join key, or an aggregate's per-group accumulators). Keys and values
 * are strings so that the runtime can keep them in Kafka Streams state stores (changelogged, restored
 * after a crash); operators encode what they keep. Tests use {@link InMemoryStateBackend}.
 */
public interface OperatorState {
    /** Given to stateless operators: asking it for a store is a bug. */
    OperatorState NONE = name -> {
        throw new IllegalStateException("a stateless operator asked for state store " + name);
    };

    /** The store called {@code name}, empty on first use. */
    KeyValueState store(String name);

    /** A key-value store; putting null deletes. */
    interface KeyValueState {
        String get(String key);

        void put(String key, String value);

        void delete(String key);

        /**
         * Every entry whose key starts with {@code prefix}, in key order. Lets an operator keep one
         * entry per (key, row) and find all rows of a key, e.g. a join's partners.
         */
        List<Map.Entry<String, String>> prefix(String prefix);

        /**
         * The first {@code limit} entries whose key starts with {@code prefix}, in key order, reading no
         * further: an operator that needs only the head of an ordered store (a top-K) then does work that
         * grows with K, not with the store. Stores should override the default, which reads every entry.
         */
        default List<Map.Entry<String, String>> prefix(String prefix, int limit) {
            List<Map.Entry<String, String>> all = prefix(prefix);
            return all.size() <= limit ? all : all.subList(0, limit);
        }
    }
}
