package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.OperatorState.KeyValueState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A group's multiset of elements for one call, as store entries "group key, call, element → count". */
final class StoredBag implements AggregateFunction.ValueBag {
    private final KeyValueState store;
    private final String prefix;

    StoredBag(KeyValueState store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    @Override
    public long count(List<String> element) {
        String v = store.get(prefix + Codec.encode(element));
        return v == null ? 0 : Long.parseLong(v);
    }

    void add(List<String> element, long weight) {
        String key = prefix + Codec.encode(element);
        String v = store.get(key);
        long n = (v == null ? 0 : Long.parseLong(v)) + weight;
        if (n < 0) {
            throw new IllegalStateException("more copies deleted than inserted of " + element);
        }
        if (n == 0) {
            store.delete(key);
        } else {
            store.put(key, Long.toString(n));
        }
    }

    @Override
    public List<Map.Entry<List<String>, Long>> entries() {
        List<Map.Entry<List<String>, Long>> out = new ArrayList<>();
        for (Map.Entry<String, String> e : store.prefix(prefix)) {
            out.add(Map.entry(Codec.decode(e.getKey().substring(prefix.length())), Long.parseLong(e.getValue())));
        }
        return out;
    }
}
