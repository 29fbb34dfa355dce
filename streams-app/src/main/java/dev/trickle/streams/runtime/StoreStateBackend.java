package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Operator state in one Kafka Streams store per stream table (changelogged, so it survives crashes and
 * moves with its task): each operator's stores are namespaced by operator id and store name.
 *
 * <p>The store holds bytes: a key is {@link RowCodec#VERSION}, the namespace and the operator's key in
 * UTF-8, whose byte order is the code point order the operators' ordered keys (top-K, windows) are
 * built for; a value is the version byte and the operator's value in UTF-8. An entry without the
 * version byte was written by an earlier version ({@link #holdsEarlierFormat}).
 */
final class StoreStateBackend implements StateBackend {
    private static final BytesSerializer PREFIX = new BytesSerializer();
    private static final byte SEP = 1;
    private final KeyValueStore<Bytes, byte[]> store;

    StoreStateBackend(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    @Override
    public OperatorState forOperator(String operatorId) {
        return name -> new Namespace(new ByteWriter().writeByte(RowCodec.VERSION).writeBytes(utf8(operatorId))
                .writeByte(SEP).writeBytes(utf8(name)).writeByte(SEP).toByteArray());
    }

    @Override
    public void clear() {
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    /** Whether the store holds an entry an earlier version wrote (strings without the version byte). */
    boolean holdsEarlierFormat() {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            return it.hasNext() && !RowCodec.isCurrent(it.next().key.get());
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private final class Namespace implements OperatorState.KeyValueState {
        private final byte[] prefix;

        Namespace(byte[] prefix) {
            this.prefix = prefix;
        }

        private Bytes key(String key) {
            return Bytes.wrap(new ByteWriter(prefix.length + key.length() + 8).writeBytes(prefix).writeBytes(utf8(key))
                    .toByteArray());
        }

        @Override
        public String get(String key) {
            return value(store.get(key(key)));
        }

        @Override
        public void put(String key, String value) {
            if (value == null) {
                store.delete(key(key));
            } else {
                byte[] text = utf8(value);
                store.put(key(key), new ByteWriter(text.length + 1).writeByte(RowCodec.VERSION).writeBytes(text)
                        .toByteArray());
            }
        }

        @Override
        public void delete(String key) {
            store.delete(key(key));
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String keyPrefix) {
            return prefix(keyPrefix, Integer.MAX_VALUE);
        }

        @Override
        public List<Map.Entry<String, String>> prefix(String keyPrefix, int limit) {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(key(keyPrefix), PREFIX)) {
                while (out.size() < limit && it.hasNext()) {
                    var kv = it.next();
                    byte[] k = kv.key.get();
                    out.add(Map.entry(new String(k, prefix.length, k.length - prefix.length, StandardCharsets.UTF_8),
                            value(kv.value)));
                }
            }
            return out;
        }

        private String value(byte[] stored) {
            if (stored == null) {
                return null;
            }
            RowCodec.checkVersion(stored, "operator state");
            return new String(stored, 1, stored.length - 1, StandardCharsets.UTF_8);
        }
    }
}
