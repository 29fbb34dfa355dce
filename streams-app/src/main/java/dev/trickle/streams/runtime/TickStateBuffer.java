package dev.trickle.streams.runtime;

import dev.trickle.streams.rows.KeyTexts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * An evaluation's operator-state writes and reads held in memory in front of the state store, the writes
 * handed to the store in one {@code putAll} when the evaluation ends ({@link #flush}). On RocksDB a
 * {@code putAll} is one write batch, where a {@code put} per entry costs a JNI call and Kafka Streams' layers
 * each (about 5 µs a call measured in the incremental benchmark); a key read twice in a tick (an aggregate's
 * group: whether it exists, then its accumulators) is read from the store once.
 *
 * <p>The store behind it is the stream table's own and only this buffer's owner writes it, so what the buffer
 * holds is what the store would hold: reads see the buffered writes (point reads directly, prefix scans
 * merged in key order). When more than {@link #MAX_WRITES} writes are held (an initial fill runs its whole
 * input through the operators in one evaluation) they go to the store at once, so the heap holds a bounded
 * part of the state (they are written in one batch all the same).
 */
final class TickStateBuffer {
    /** Writes held before they are handed to the store mid-evaluation. */
    static final int MAX_WRITES = 20_000;
    /** Reads remembered in one evaluation. */
    static final int MAX_READS = 50_000;
    /** A buffered delete, told apart by identity (an operator's empty value is another array). */
    private static final byte[] DELETED = new byte[0];
    /** A remembered read of a key the store does not hold. */
    private static final byte[] ABSENT = new byte[0];
    private static final BytesSerializer PREFIX = new BytesSerializer();

    private final KeyValueStore<Bytes, byte[]> store;
    /** Pending writes in the store's order (unsigned bytewise), so that prefix scans can merge them. */
    private final TreeMap<byte[], byte[]> writes = new TreeMap<>(KeyTexts::compare);
    /** Values read from the store in this evaluation, for keys not written since. */
    private final Map<Bytes, byte[]> reads = new HashMap<>();

    TickStateBuffer(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    byte[] get(byte[] key) {
        byte[] written = writes.get(key);
        if (written != null) {
            return written == DELETED ? null : written;
        }
        Bytes k = Bytes.wrap(key);
        byte[] read = reads.get(k);
        if (read == null) {
            read = store.get(k);
            if (reads.size() >= MAX_READS) {
                reads.clear();
            }
            reads.put(k, read == null ? ABSENT : read);
        }
        return read == ABSENT ? null : read;
    }

    /** Writes {@code value} under {@code key}; null deletes. */
    void put(byte[] key, byte[] value) {
        // a remembered read is stale once the key is written; the write holds the key from now on
        reads.remove(Bytes.wrap(key));
        writes.put(key, value == null ? DELETED : value);
        if (writes.size() >= MAX_WRITES) {
            writeOut();
        }
    }

    /**
     * The first {@code limit} entries whose key starts with {@code prefix}, in key order, as the store holds
     * them once the pending writes are applied; keys are whole store keys.
     */
    List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
        NavigableMap<byte[], byte[]> pending = pendingUnder(prefix);
        // each pending write hides at most one stored entry: reading that many more keeps the first `limit` exact
        int read = (int) Math.min(Integer.MAX_VALUE, (long) limit + pending.size());
        List<Map.Entry<byte[], byte[]>> stored = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(Bytes.wrap(prefix), PREFIX)) {
            while (stored.size() < read && it.hasNext()) {
                var kv = it.next();
                byte[] k = kv.key.get();
                if (!KeyTexts.startsWith(k, prefix)) {
                    // Kafka Streams bounds the scan by the prefix plus one, carried: a prefix ending in 0xFF
                    // also yields keys that follow the prefix's range
                    break;
                }
                stored.add(Map.entry(k, kv.value));
            }
        }
        return pending.isEmpty() ? stored : merge(stored, pending, limit);
    }

    private NavigableMap<byte[], byte[]> pendingUnder(byte[] prefix) {
        if (writes.isEmpty()) {
            return writes;
        }
        byte[] end = successor(prefix);
        return end == null ? writes.tailMap(prefix, true) : writes.subMap(prefix, true, end, false);
    }

    /** The stored entries with the pending writes applied: both in key order, a pending write wins. */
    private static List<Map.Entry<byte[], byte[]>> merge(List<Map.Entry<byte[], byte[]>> stored,
                                                         NavigableMap<byte[], byte[]> pending, int limit) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>(stored.size() + pending.size());
        Iterator<Map.Entry<byte[], byte[]>> p = pending.entrySet().iterator();
        Map.Entry<byte[], byte[]> next = p.hasNext() ? p.next() : null;
        for (Map.Entry<byte[], byte[]> s : stored) {
            while (next != null && KeyTexts.compare(next.getKey(), s.getKey()) < 0) {
                addLive(out, next);
                next = p.hasNext() ? p.next() : null;
            }
            if (next != null && KeyTexts.compare(next.getKey(), s.getKey()) == 0) {
                addLive(out, next);
                next = p.hasNext() ? p.next() : null;
            } else {
                out.add(s);
            }
        }
        while (next != null) {
            addLive(out, next);
            next = p.hasNext() ? p.next() : null;
        }
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    private static void addLive(List<Map.Entry<byte[], byte[]>> out, Map.Entry<byte[], byte[]> write) {
        if (write.getValue() != DELETED) {
            out.add(Map.entry(write.getKey(), write.getValue()));
        }
    }

    /** The smallest key above every key that starts with {@code prefix}, or null when none exists (all 0xFF). */
    static byte[] successor(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }

    /** Hands the pending writes to the store and forgets this evaluation's reads. */
    void flush() {
        writeOut();
        reads.clear();
    }

    /** Forgets everything pending, for a store about to be emptied. */
    void discard() {
        writes.clear();
        reads.clear();
    }

    private void writeOut() {
        if (writes.isEmpty()) {
            return;
        }
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(writes.size());
        for (Map.Entry<byte[], byte[]> e : writes.entrySet()) {
            batch.add(KeyValue.pair(Bytes.wrap(e.getKey()), e.getValue() == DELETED ? null : e.getValue()));
        }
        // cleared first: should the store fail, Kafka Streams restores it from the changelog and runs the tick again
        writes.clear();
        store.putAll(batch);
    }
}
