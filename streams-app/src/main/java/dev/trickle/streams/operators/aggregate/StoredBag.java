package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.OperatorState.KeyValueState;
import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.KeyTexts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A group's multiset of elements for one call, as store entries "group key, call, element → count": the
 * element as {@link KeyTexts}, so that the entries come back in the elements' code point order.
 */
final class StoredBag implements AggregateFunction.ValueBag {
    private final KeyValueState store;
    private final byte[] prefix;

    StoredBag(KeyValueState store, byte[] prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    private byte[] key(List<String> element) {
        return KeyTexts.write(new ByteWriter(prefix.length + 12 * element.size()).writeBytes(prefix), element)
                .toByteArray();
    }

    @Override
    public long count(List<String> element) {
        byte[] v = store.get(key(element));
        return v == null ? 0 : new ByteReader(v).readSignedVarint();
    }

    void add(List<String> element, long weight) {
        byte[] key = key(element);
        byte[] v = store.get(key);
        long n = (v == null ? 0 : new ByteReader(v).readSignedVarint()) + weight;
        if (n < 0) {
            throw new IllegalStateException("more copies deleted than inserted of " + element);
        }
        if (n == 0) {
            store.delete(key);
        } else {
            store.put(key, new ByteWriter(10).writeSignedVarint(n).toByteArray());
        }
    }

    @Override
    public List<Map.Entry<List<String>, Long>> entries() {
        List<Map.Entry<byte[], byte[]>> stored = store.prefix(prefix);
        List<Map.Entry<List<String>, Long>> out = new ArrayList<>(stored.size());
        for (Map.Entry<byte[], byte[]> e : stored) {
            byte[] k = e.getKey();
            out.add(Map.entry(KeyTexts.readAll(new ByteReader(k, prefix.length, k.length)),
                    new ByteReader(e.getValue()).readSignedVarint()));
        }
        return out;
    }
}
