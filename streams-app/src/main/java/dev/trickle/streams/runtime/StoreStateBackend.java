package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator state in one Kafka Streams store per stream table (changelogged, so it survives crashes and
 * moves with its task): each operator's stores are namespaced by operator id and store name.
 *
 * <p>A stored key is {@link #FORMAT}, the namespace (operator id and store name as key texts) and the
 * operator's key bytes; a value is the operator's bytes as they are. The format byte says which version of
 * Trickle wrote the state: an entry without it was written by an earlier one ({@link #holdsEarlierFormat}),
 * whose values this version would misread, so the stream table is filled anew.
 */
final class StoreStateBackend implements StateBackend {
    /**
     * Operator state format 2: binary keys and values (rows in {@link RowCodec}). Format 1 (session 5) put
     * {@link RowCodec#VERSION} before UTF-8 strings; before it, keys were bare UTF-8. Neither byte occurs at
     * the start of UTF-8 text.
     */
    static final byte FORMAT = (byte) 0xFD;
    private static final Logger LOG = LoggerFactory.getLogger(StoreStateBackend.class);
    private final KeyValueStore<Bytes, byte[]> store;
    /** What the operators wrote and read in the current evaluation, written to the store at its end. */
    private final TickStateBuffer buffer;

    StoreStateBackend(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
        this.buffer = new TickStateBuffer(store);
    }

    @Override
    public OperatorState forOperator(String operatorId) {
        return name -> new Namespace(new ByteWriter(operatorId.length() + name.length() + 3).writeByte(FORMAT)
                .writeKeyText(operatorId).writeKeyText(name).toByteArray());
    }

    @Override
    public void flush() {
        buffer.flush();
    }

    @Override
    public void clear() {
        buffer.discard();
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    /**
     * Whether the store holds an entry of an earlier format. Every key starts with the format byte, so the
     * first and the last key in the store's order tell: both are of this format only if all are.
     */
    boolean holdsEarlierFormat() {
        byte[] first;
        byte[] last;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            if (!it.hasNext()) {
                return false;
            }
            first = it.next().key.get();
        }
        try (KeyValueIterator<Bytes, byte[]> it = store.reverseAll()) {
            last = it.hasNext() ? it.next().key.get() : first;
        }
        byte found = first[0] != FORMAT ? first[0] : last[0];
        if (first[0] == FORMAT && last[0] == FORMAT) {
            return false;
        }
        LOG.warn("Operator state store {} holds entries of an earlier state format ({}), not format 0x{}",
                store.name(), found == RowCodec.VERSION ? "format 1: strings after a version byte"
                        : "strings or JSON of an earlier version", Integer.toHexString(FORMAT & 0xFF));
        return true;
    }

    private final class Namespace implements OperatorState.KeyValueState {
        private final byte[] prefix;

        Namespace(byte[] prefix) {
            this.prefix = prefix;
        }

        private byte[] key(byte[] key) {
            byte[] k = Arrays.copyOf(prefix, prefix.length + key.length);
            System.arraycopy(key, 0, k, prefix.length, key.length);
            return k;
        }

        @Override
        public byte[] get(byte[] key) {
            return buffer.get(key(key));
        }

        @Override
        public void put(byte[] key, byte[] value) {
            // put(k, null) deletes (written as a delete in the batch; nothing here needs the old value)
            buffer.put(key(key), value);
        }

        @Override
        public void delete(byte[] key) {
            buffer.put(key(key), null);
        }

        @Override
        public List<Map.Entry<byte[], byte[]>> prefix(byte[] keyPrefix, int limit) {
            List<Map.Entry<byte[], byte[]>> found = buffer.prefix(key(keyPrefix), limit);
            List<Map.Entry<byte[], byte[]>> out = new ArrayList<>(found.size());
            for (Map.Entry<byte[], byte[]> e : found) {
                byte[] k = e.getKey();
                out.add(Map.entry(Arrays.copyOfRange(k, prefix.length, k.length), e.getValue()));
            }
            return out;
        }
    }
}
