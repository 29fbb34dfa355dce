package dev.trickle.streams.runtime;

import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A tick's input delta kept in a state store until the tick is complete, so that a Kafka Streams
 * commit in the middle of a tick loses nothing. A tick's rows are consolidated (a row inserted and deleted
 * within the tick cancels out).
 *
 * <p>Entries are in {@link RowCodec}'s binary format: the key is the version byte, the tick (8 bytes,
 * big-endian, so that ticks sort in order), the source index (4 bytes) and the row (its column names and
 * values), for rows read from a gather topic followed by the record's offset (8 bytes, see {@link #addEncoded}:
 * those are consolidated when the tick is drained); the value is the version byte and the weight (8 bytes).
 */
final class TickBuffer {
    private static final BytesSerializer PREFIX = new BytesSerializer();
    private static final int ROW_START = 1 + 8 + 4;
    private final KeyValueStore<Bytes, byte[]> store;
    private final Recent recent = new Recent();
    /** The gathered rows held in memory, or null: every row goes to the store. */
    private final TickMemory memory;

    TickBuffer(KeyValueStore<Bytes, byte[]> store) {
        this(store, null);
    }

    /** With {@code memory}, the rows {@link #addEncoded} is given are held there (see {@link TickMemory}). */
    TickBuffer(KeyValueStore<Bytes, byte[]> store, TickMemory memory) {
        this.store = store;
        this.memory = memory;
    }

    void add(long tick, int source, Map<String, String> values, long weight) {
        ByteWriter key = new ByteWriter(ROW_START + 16 * values.size()).writeByte(RowCodec.VERSION)
                .writeLong(tick).writeBytes(sourceBytes(source)).writeVarint(values.size());
        values.forEach((column, value) -> key.writeText(column).writeText(value));
        addWeight(Bytes.wrap(key.toByteArray()), weight);
    }

    /**
     * As {@link #add}, for a row read at {@code offset} of the gather topic's single partition, given as its count
     * and column pairs already in this format ({@code encoded} from {@code from} to its end, as {@link GatherCodec}
     * writes them): copied, not decoded. The offset ends the key, which makes it unique, so the row is put without
     * reading the store for an equal row first (that read cost as much as the put); {@link #drain} sums equal rows.
     * A row equal to one this buffer put earlier in the same tick (an update of a row inserted in the tick, say)
     * still updates or cancels that entry, found in {@link #recent} without a store read. A record read again after
     * a crash has the same offset, so its put is idempotent. A negative offset (none known) consolidates as
     * {@link #add} does.
     */
    void addEncoded(long tick, int source, byte[] encoded, int from, long weight, long offset) {
        ByteWriter key = rowKey(tick, source, encoded, from);
        Bytes row = Bytes.wrap(key.toByteArray());
        if (offset < 0) {
            addWeight(row, weight);
            return;
        }
        if (memory != null && memory.add(tick, offset, row, weight)) {
            return;
        }
        Recent.Entry earlier = recent.get(tick, row);
        if (earlier != null) {
            Bytes unique = Bytes.wrap(key.writeLong(earlier.offset()).toByteArray());
            long sum = Math.addExact(earlier.weight(), weight);
            if (sum == 0) {
                store.delete(unique);
            } else {
                store.put(unique, weightBytes(sum));
            }
            recent.update(tick, row, earlier.offset(), sum);
        } else if (weight != 0) {
            store.put(Bytes.wrap(key.writeLong(offset).toByteArray()), weightBytes(weight));
            recent.update(tick, row, offset, weight);
        }
    }

    /**
     * After a restart: puts back in memory the rows it held when the task committed, read again from the gather
     * topic from the oldest held tick's first row up to {@code upTo}, the task's committed position (the offset of
     * the first record it processes after the restart). Returns the number of rows put back, or -1 when the topic
     * no longer holds them (its retention deleted them).
     */
    long rebuild(GatherReplay replay, String topic, long upTo) {
        long from = memory == null ? -1 : memory.firstOffset();
        if (from < 0 || from >= upTo) {
            return 0;
        }
        long[] count = {0};
        boolean read = replay.read(topic, from, upTo, (offset, key, value) -> {
            int pairs = GatherCodec.rowPairs(value);
            if (pairs < 0 || key == null || UpstreamInputs.source(key) >= 0) {
                return; // markers, upstream deltas and rows the processor decodes are never held in memory
            }
            long tick = GatherCodec.rowTick(value);
            Bytes row = Bytes.wrap(rowKey(tick, Integer.parseInt(key), value, pairs).toByteArray());
            if (memory.readAgain(tick, offset, row, GatherCodec.rowWeight(value))) {
                count[0]++;
            }
        });
        return read ? count[0] : -1;
    }

    /** The gather topic offset from which {@link #rebuild} reads, or -1. */
    long firstOffsetInMemory() {
        return memory == null ? -1 : memory.firstOffset();
    }

    int ticksInMemory() {
        return memory == null ? 0 : memory.ticks();
    }

    /** Removes and returns the tick's delta per source name ({@code sourceName} maps a source index). */
    Map<String, ZSet<Map<String, String>>> drain(long tick, IntFunction<String> sourceName) {
        Map<String, ZSet<Map<String, String>>> inputs = new HashMap<>();
        List<KeyValue<Bytes, byte[]>> consumed = new ArrayList<>();
        if (memory != null) {
            memory.take(tick, (row, weight) -> inputs.computeIfAbsent(sourceName.apply(source(row.get())),
                    k -> new ZSet<>()).add(row(row.get()), weight));
        }
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(tickPrefix(tick), PREFIX)) {
            while (it.hasNext()) {
                var kv = it.next();
                consumed.add(KeyValue.pair(kv.key, null));
                byte[] key = kv.key.get();
                inputs.computeIfAbsent(sourceName.apply(source(key)), k -> new ZSet<>())
                        .add(row(key), weight(kv.value));
            }
        }
        store.putAll(consumed); // deletes, in one write to RocksDB rather than one per row
        recent.forget(tick);
        inputs.values().removeIf(ZSet::isEmpty); // rows under keys of their own may sum to nothing
        return inputs;
    }

    /** Removes the rows of one source at one tick without using them (a tick that is not run). */
    void discard(long tick, int source) {
        List<Bytes> keys = new ArrayList<>();
        byte[] prefix = new ByteWriter(ROW_START).writeBytes(tickPrefix(tick).get()).writeBytes(sourceBytes(source))
                .toByteArray();
        try (KeyValueIterator<Bytes, byte[]> it = store.prefixScan(Bytes.wrap(prefix), PREFIX)) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
        recent.clear();
        if (memory != null) {
            memory.remove(t -> t == tick, row -> source(row.get()) == source, (row, weight) -> { });
        }
    }

    /**
     * For one source: deletes its rows of ticks at or below {@code after}, and adds its rows of ticks in
     * ({@code after}, {@code upTo}] to tick {@code into} (where they are consolidated with what is there).
     */
    void fold(int source, long after, long upTo, long into) {
        List<KeyValue<byte[], Long>> moved = new ArrayList<>();
        List<Bytes> gone = new ArrayList<>();
        // the bare prefix of tick upTo + 1 sorts before every key of that tick and after every key of upTo
        try (KeyValueIterator<Bytes, byte[]> it = store.range(tickPrefix(0), tickPrefix(upTo + 1))) {
            while (it.hasNext()) {
                var kv = it.next();
                byte[] key = kv.key.get();
                if (key.length < ROW_START || source(key) != source) {
                    continue;
                }
                long tick = new ByteReader(key, 1, 9).readLong();
                if (tick == into) {
                    continue;
                }
                gone.add(kv.key);
                if (tick > after) {
                    moved.add(KeyValue.pair(Arrays.copyOfRange(key, 9, key.length), weight(kv.value)));
                }
            }
        }
        gone.forEach(store::delete);
        recent.clear();
        if (memory != null) {
            // rows moved to another tick go to the store: reading the gather topic again would put them at their own
            memory.remove(t -> t <= upTo && t != into, row -> source(row.get()) == source, (row, weight) -> {
                if (new ByteReader(row.get(), 1, 9).readLong() > after) {
                    moved.add(KeyValue.pair(Arrays.copyOfRange(row.get(), 9, row.get().length), weight));
                }
            });
        }
        byte[] intoPrefix = tickPrefix(into).get();
        for (KeyValue<byte[], Long> row : moved) {
            addWeight(Bytes.wrap(new ByteWriter(intoPrefix.length + row.key.length).writeBytes(intoPrefix)
                    .writeBytes(row.key).toByteArray()), row.value);
        }
    }

    /**
     * Whether the store holds entries of an earlier version's format (JSON rows under string keys): an
     * app upgraded with its state. Their ticks cannot be read; the caller starts the stream table anew.
     */
    boolean holdsEarlierFormat() {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            return it.hasNext() && !RowCodec.isCurrent(it.next().key.get());
        }
    }

    boolean isEmpty() {
        if (memory != null && !memory.isEmpty()) {
            return false;
        }
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            return !it.hasNext();
        }
    }

    /** Forgets every entry (after {@link #holdsEarlierFormat}: nothing in it can be used). */
    void clear() {
        recent.clear();
        if (memory != null) {
            memory.clear();
        }
        List<Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    /** A tick as a fixed-width decimal string, for the meta store's keys (which then sort by tick). */
    static String tickKey(long tick) {
        return String.format("%019d", tick);
    }

    private void addWeight(Bytes key, long weight) {
        byte[] before = store.get(key);
        long sum = Math.addExact(before == null ? 0 : weight(before), weight);
        if (sum == 0) {
            store.delete(key);
        } else {
            store.put(key, weightBytes(sum));
        }
    }

    private static ByteWriter rowKey(long tick, int source, byte[] encoded, int from) {
        return new ByteWriter(ROW_START + encoded.length - from + 8).writeByte(RowCodec.VERSION).writeLong(tick)
                .writeBytes(sourceBytes(source)).writeBytes(encoded, from, encoded.length);
    }

    private static byte[] weightBytes(long weight) {
        return new ByteWriter(9).writeByte(RowCodec.VERSION).writeLong(weight).toByteArray();
    }

    private static Bytes tickPrefix(long tick) {
        return Bytes.wrap(new ByteWriter(9).writeByte(RowCodec.VERSION).writeLong(tick).toByteArray());
    }

    private static byte[] sourceBytes(int source) {
        return new byte[] {(byte) (source >>> 24), (byte) (source >>> 16), (byte) (source >>> 8), (byte) source};
    }

    private static int source(byte[] key) {
        return (key[9] & 0xFF) << 24 | (key[10] & 0xFF) << 16 | (key[11] & 0xFF) << 8 | key[12] & 0xFF;
    }

    private static Map<String, String> row(byte[] key) {
        ByteReader in = new ByteReader(key, ROW_START, key.length);
        long n = in.readVarint();
        Map<String, String> row = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
            row.put(in.readText(), in.readText());
        }
        return row;
    }

    private static long weight(byte[] value) {
        RowCodec.checkVersion(value, "a pending row's weight in the tick buffer");
        return new ByteReader(value, 1, value.length).readLong();
    }

    /**
     * The offset-keyed entries this buffer put since it was opened, by tick and row (its key without the offset),
     * with their offsets and weights: a cache of the store, so that it may forget (after a restart, or beyond
     * {@link #MAX} rows); a row it does not know is put under a key of its own and summed at the drain, which is as
     * exact.
     */
    private static final class Recent {
        /** A few MB per gathered stream table at most (forgotten at every drain). */
        private static final int MAX = 20_000;
        private final Map<Long, Map<Bytes, Entry>> byTick = new HashMap<>();
        private int size;

        record Entry(long offset, long weight) {
        }

        Entry get(long tick, Bytes row) {
            Map<Bytes, Entry> rows = byTick.get(tick);
            return rows == null ? null : rows.get(row);
        }

        void update(long tick, Bytes row, long offset, long weight) {
            Map<Bytes, Entry> rows = byTick.computeIfAbsent(tick, t -> new HashMap<>());
            if (weight == 0) {
                size -= rows.remove(row) == null ? 0 : 1;
            } else if (rows.containsKey(row) || size < MAX) {
                size += rows.put(row, new Entry(offset, weight)) == null ? 1 : 0;
            }
        }

        void forget(long tick) {
            Map<Bytes, Entry> rows = byTick.remove(tick);
            size -= rows == null ? 0 : rows.size();
        }

        void clear() {
            byTick.clear();
            size = 0;
        }
    }
}
