package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Operator state in one Kafka Streams store per stream table (changelogged, so it survives crashes and
 * moves with its task): each operator's stores are namespaced by operator id and store name.
 */
final class StoreStateBackend implements StateBackend {
    private static final char SEP = '\u0001';
    private final KeyValueStore<String, String> store;

    StoreStateBackend(KeyValueStore<String, String> store) {
        this.store = store;
    }

    @Override
    public OperatorState forOperator(String operatorId) {
        return name -> new Namespace(operatorId + SEP + name + SEP);
    }

    @Override
    public void clear() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    private final class Namespace implements OperatorState.KeyValueState {
        private final String prefix;

        Namespace(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String get(String key) {
            return store.get(prefix + key);
        }

        @Override
        public void put(String key, String value) {
            if (value == null) {
                store.delete(prefix + key);
            } else {
                store.put(prefix + key, value);
            }
        }

        @Override
        public void delete(String key) {
            store.delete(prefix + key);
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String keyPrefix) {
            return prefix(keyPrefix, Integer.MAX_VALUE);
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String keyPrefix, int limit) {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            try (KeyValueIterator<String, String> it = store.prefixScan(prefix + keyPrefix, new StringSerializer())) {
                while (out.size() < limit && it.hasNext()) {
                    var kv = it.next();
                    out.add(Map.entry(kv.key.substring(prefix.length()), kv.value));
                }
            }
            return out;
        }
    }
}
