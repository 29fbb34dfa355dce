package dev.trickle.streams.runtime;

import dev.trickle.streams.rows.KeyTexts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * An evaluation's operator-state writes held in memory in front of the state store, the writes handed to the
 * store in one {@code putAll} when the evaluation ends ({@link #flush}), and the values of recently read keys
 * remembered across evaluations. On RocksDB a {@code putAll} is one write batch, where a {@code put} per entry
 * costs a JNI call and Kafka Streams' layers each (about 5 µs a call measured in the incremental benchmark);
 * a point read costs as much, and the keys an operator reads tick after tick (an aggregate's groups, a
 * dimension's hot rows) are read from the store once.
 *
 * <p>The store behind it is the stream table's own and only this buffer's owner writes it, so what the buffer
 * holds is what the store would hold: reads see the buffered writes (point reads directly, prefix scans
 * merged in key order), and a remembered value is replaced when its key is written to the store. Kafka Streams
 * changes the store behind an operator only before the operator's processor is initialised (restoring it
 * from the changelog, also after a crash or an aborted transaction), and the processor then makes a new
 * buffer, so nothing remembered outlives the store content it was read from. When more than
 * {@link #MAX_WRITES} writes are held (an initial fill runs its whole input through the operators in one
 * evaluation) they go to the store at once, so the heap holds a bounded part of the state (they are written
 * in one batch all the same); the remembered reads are bounded by {@link #MAX_CACHED_BYTES}, the least
 * recently used forgotten first.
 */
final class TickStateBuffer {
    /** Writes held before they are handed to the store mid-evaluation. */
    static final int MAX_WRITES = 20_000;
    /**
     * Bytes of remembered reads per stream table and partition (one buffer per task; keys, values and a rough
     * per-entry overhead): an aggregate's few thousand groups, or the hot part of a join's dimension, without
     * making the state a heap copy. Only a stream table whose operators read that many distinct keys fills it.
     */
    static final long MAX_CACHED_BYTES = 4L << 20;
    /** What a remembered entry costs beyond its key and value: map entry, {@code Bytes} wrapper, array headers. */
    private static final int ENTRY_OVERHEAD = 96;
    /** A buffered delete, told apart by identity (an operator's empty value is another array). */
    private static final byte[] DELETED = new byte[0];
    /** A remembered read of a key the store does not hold. */
    private static final byte[] ABSENT = new byte[0];
    private static final BytesSerializer PREFIX = new BytesSerializer();
    private static final int LENGTH_SLOTS = 256;

    private final KeyValueStore<Bytes, byte[]> store;
    /** Pending writes in the store's order (unsigned bytewise), so that prefix scans can merge them. */
    private final TreeMap<byte[], byte[]> writes = new TreeMap<>(KeyTexts::compare);
    /**
     * Values as the store holds them (ABSENT: not held), least recently used first: what was read, updated
     * when a remembered key is written to the store.
     */
    private final LinkedHashMap<Bytes, byte[]> cache = new LinkedHashMap<>(1024, 0.75f, true);
    private long cachedBytes;
    /**
     * How many remembered keys have each length (the last slot: that length or more). A write whose key length
     * no remembered key has is not looked up in the cache when it reaches the store: most writes (a join's index
     * rows, keyed by join key and whole row) are longer than every key read by key, and hashing each one for that
     * lookup was a twentieth of a join's tick.
     */
    private final int[] rememberedLengths = new int[LENGTH_SLOTS];

    TickStateBuffer(KeyValueStore<Bytes, byte[]> store) {
        this.store = store;
    }

    byte[] get(byte[] key) {
        byte[] written = writes.get(key);
        if (written != null) {
            return written == DELETED ? null : written;
        }
        Bytes k = Bytes.wrap(key);
        byte[] read = cache.get(k);
        if (read == null) {
            read = store.get(k);
            remember(k, read == null ? ABSENT : read);
        }
        return read == ABSENT ? null : read;
    }

    private void remember(Bytes key, byte[] value) {
        byte[] before = cache.put(key, value);
        cachedBytes += value.length - (before == null ? -key.get().length - ENTRY_OVERHEAD : before.length);
        if (before == null) {
            rememberedLengths[lengthSlot(key)]++;
        }
        Iterator<Map.Entry<Bytes, byte[]>> eldest = cache.entrySet().iterator();
        while (cachedBytes > MAX_CACHED_BYTES && eldest.hasNext()) {
            Map.Entry<Bytes, byte[]> e = eldest.next();
            cachedBytes -= e.getKey().get().length + e.getValue().length + ENTRY_OVERHEAD;
            rememberedLengths[lengthSlot(e.getKey())]--;
            eldest.remove();
        }
    }

    private static int lengthSlot(Bytes key) {
        return Math.min(key.get().length, LENGTH_SLOTS - 1);
    }

    /** Whether {@code key} is remembered; a key of a length no remembered key has is answered without hashing it. */
    private boolean remembered(Bytes key) {
        return rememberedLengths[lengthSlot(key)] > 0 && cache.containsKey(key);
    }

    /** Bytes the remembered reads are counted as (tests). */
    long cachedBytes() {
        return cachedBytes;
    }

    /** Writes {@code value} under {@code key}; null deletes. */
    void put(byte[] key, byte[] value) {
        // until the write reaches the store it hides what the cache remembers of the key (get reads writes first)
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

    /** Hands the pending writes to the store; what was read is remembered for the next evaluations. */
    void flush() {
        writeOut();
    }

    /** Forgets everything pending and remembered, for a store about to be emptied. */
    void discard() {
        writes.clear();
        forget();
    }

    private void forget() {
        cache.clear();
        cachedBytes = 0;
        Arrays.fill(rememberedLengths, 0);
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
        try {
            store.putAll(batch);
        } catch (RuntimeException e) {
            // the store may hold part of the batch or none of it: nothing remembered can be trusted
            forget();
            throw e;
        }
        for (KeyValue<Bytes, byte[]> w : batch) {
            // keys remembered take their new value; others are not added (most writes are never read back)
            if (remembered(w.key)) {
                remember(w.key, w.value == null ? ABSENT : w.value);
            }
        }
    }
}
