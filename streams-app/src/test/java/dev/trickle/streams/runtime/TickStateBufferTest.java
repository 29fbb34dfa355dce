package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator state on RocksDB with a tick's writes buffered: what the operators read during a tick (point reads,
 * prefix scans with and without a limit) is what an unbuffered store would give them, and what the store holds
 * after the tick is what they wrote.
 */
class TickStateBufferTest {
    @TempDir
    Path dir;
    private TestRocksStores stores;

    @BeforeEach
    void openStores() {
        stores = new TestRocksStores(dir, "tick-state-buffer-test");
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private KeyValueStore<Bytes, byte[]> rocks(String name) {
        return stores.open(name);
    }

    /** Keys from a small alphabet that includes 0x00 and 0xFF, so that prefixes share and bound each other. */
    private static byte[] key(Random r, int maxLength) {
        byte[] alphabet = {0, 1, 2, (byte) 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};
        byte[] k = new byte[r.nextInt(maxLength + 1)];
        for (int i = 0; i < k.length; i++) {
            k[i] = alphabet[r.nextInt(alphabet.length)];
        }
        return k;
    }

    @Test
    void readsDuringATickSeeItsWritesAndTheStoreHoldsThemAfter() {
        Random r = new Random(20261207);
        KeyValueStore<Bytes, byte[]> store = rocks("state");
        StoreStateBackend buffered = new StoreStateBackend(store);
        InMemoryStateBackend model = new InMemoryStateBackend();
        OperatorState.KeyValueState b = buffered.forOperator("op0").store("s");
        OperatorState.KeyValueState m = model.forOperator("op0").store("s");
        for (int tick = 0; tick < 60; tick++) {
            int ops = r.nextInt(300);
            for (int i = 0; i < ops; i++) {
                byte[] k = key(r, 4);
                switch (r.nextInt(5)) {
                    case 0, 1 -> {
                        byte[] v = key(r, 3);
                        b.put(k, v);
                        m.put(k, v);
                    }
                    case 2 -> {
                        b.delete(k);
                        m.delete(k);
                    }
                    case 3 -> assertArrayEquals(m.get(k), b.get(k), "get at tick " + tick);
                    default -> {
                        byte[] prefix = key(r, 2);
                        int limit = r.nextBoolean() ? Integer.MAX_VALUE : r.nextInt(6);
                        assertEquals(text(m.prefix(prefix, limit)), text(b.prefix(prefix, limit)),
                                "prefix scan at tick " + tick);
                    }
                }
            }
            buffered.flush();
            assertEquals(text(m.prefix(new byte[0])), text(b.prefix(new byte[0])), "after tick " + tick);
        }
        // the store itself, read without the buffer, holds exactly what was written
        assertEquals(text(m.prefix(new byte[0])).size(), count(store));
    }

    @Test
    void aTickWithMoreWritesThanTheBufferHoldsReadsThemAll() {
        StoreStateBackend buffered = new StoreStateBackend(rocks("fill"));
        OperatorState.KeyValueState b = buffered.forOperator("op0").store("s");
        int n = TickStateBuffer.MAX_WRITES * 2 + 7;
        for (int i = 0; i < n; i++) {
            b.put(intKey(i), intKey(i * 3));
        }
        for (int i = 0; i < n; i += 2) {
            b.delete(intKey(i));
        }
        assertNull(b.get(intKey(0)));
        assertArrayEquals(intKey(3), b.get(intKey(1)));
        assertEquals(n / 2, b.prefix(new byte[0]).size());
        buffered.flush();
        assertEquals(n / 2, b.prefix(new byte[0]).size());
        assertArrayEquals(intKey(3 * (n - 2)), b.get(intKey(n - 2)));
        assertNull(b.get(intKey(n - 1)));
    }

    @Test
    void clearForgetsPendingWrites() {
        StoreStateBackend buffered = new StoreStateBackend(rocks("clear"));
        OperatorState.KeyValueState b = buffered.forOperator("op0").store("s");
        b.put(new byte[] {1}, new byte[] {1});
        buffered.flush();
        b.put(new byte[] {2}, new byte[] {2});
        buffered.clear();
        buffered.flush();
        assertEquals(0, b.prefix(new byte[0]).size());
    }

    /**
     * A key read tick after tick (an aggregate's group) is read from the store once: later ticks find it in memory,
     * with the value each tick wrote, also after a delete.
     */
    @Test
    void aKeyReadTickAfterTickIsReadFromTheStoreOnce() {
        int[] storeGets = {0};
        boolean[] failPutAll = {false};
        KeyValueStore<Bytes, byte[]> store = counting(rocks("remember"), storeGets, failPutAll);
        TickStateBuffer buffer = new TickStateBuffer(store);
        byte[] group = {7};
        buffer.put(group, new byte[] {1});
        buffer.flush();
        for (int tick = 2; tick <= 5; tick++) {
            assertArrayEquals(new byte[] {(byte) (tick - 1)}, buffer.get(group), "tick " + tick);
            buffer.put(group, new byte[] {(byte) tick});
            buffer.flush();
        }
        buffer.put(group, null);
        buffer.flush();
        assertNull(buffer.get(group));
        assertEquals(1, storeGets[0], "store reads of a key read in five ticks");
        buffer.put(group, new byte[] {9});
        buffer.flush();
        assertArrayEquals(new byte[] {9}, buffer.get(group));
        assertArrayEquals(new byte[] {9}, store.get(Bytes.wrap(group)).clone(), "the store holds what was written");
        assertEquals(2, storeGets[0]);
    }

    /** A write batch the store refused leaves nothing remembered: the next reads go to the store again. */
    @Test
    void aRefusedWriteBatchForgetsWhatWasRemembered() {
        int[] storeGets = {0};
        boolean[] failPutAll = {false};
        KeyValueStore<Bytes, byte[]> store = counting(rocks("refused"), storeGets, failPutAll);
        TickStateBuffer buffer = new TickStateBuffer(store);
        buffer.put(new byte[] {1}, new byte[] {1});
        buffer.flush();
        assertArrayEquals(new byte[] {1}, buffer.get(new byte[] {1}));
        buffer.put(new byte[] {1}, new byte[] {2});
        failPutAll[0] = true;
        assertThrows(IllegalStateException.class, buffer::flush);
        failPutAll[0] = false;
        assertArrayEquals(new byte[] {1}, buffer.get(new byte[] {1}), "what the store holds, read again");
        assertEquals(2, storeGets[0]);
    }

    /** Reads remembered across ticks stay within their bound, the least recently read forgotten first. */
    @Test
    void rememberedReadsStayWithinTheirBound() {
        KeyValueStore<Bytes, byte[]> store = rocks("bound");
        TickStateBuffer buffer = new TickStateBuffer(store);
        byte[] value = new byte[1000];
        int keys = (int) (TickStateBuffer.MAX_CACHED_BYTES / 1000) * 2;
        for (int i = 0; i < keys; i++) {
            buffer.put(intKey(i), value);
        }
        buffer.flush();
        for (int i = 0; i < keys; i++) {
            assertEquals(1000, buffer.get(intKey(i)).length);
        }
        assertTrue(buffer.cachedBytes() <= TickStateBuffer.MAX_CACHED_BYTES, buffer.cachedBytes() + " bytes");
        assertTrue(buffer.cachedBytes() > TickStateBuffer.MAX_CACHED_BYTES / 2, buffer.cachedBytes() + " bytes");
    }

    /**
     * Writes reach what is remembered by key length first (a write of a length no remembered key has skips the
     * lookup): keys of one length read, some forgotten for the bound, then all written again: every key still
     * remembered reads its new value, and keys of other lengths written in between change nothing remembered.
     */
    @Test
    void writesOfRememberedKeysUpdateThemWhateverWasForgotten() {
        KeyValueStore<Bytes, byte[]> store = rocks("lengths");
        TickStateBuffer buffer = new TickStateBuffer(store);
        byte[] big = new byte[1000];
        int keys = (int) (TickStateBuffer.MAX_CACHED_BYTES / 1000) * 2;
        for (int i = 0; i < keys; i++) {
            buffer.put(intKey(i), big);
            // a longer key with the same start, never read: its writes need no lookup
            buffer.put(Arrays.copyOf(intKey(i), 9), big);
        }
        buffer.flush();
        for (int i = 0; i < keys; i++) {
            buffer.get(intKey(i));
        }
        for (int i = 0; i < keys; i++) {
            buffer.put(Arrays.copyOf(intKey(i), 9), new byte[] {2});
            buffer.put(intKey(i), new byte[] {(byte) i});
        }
        buffer.flush();
        for (int i = keys - 1; i >= 0; i--) {
            assertArrayEquals(new byte[] {(byte) i}, buffer.get(intKey(i)), "key " + i);
            assertArrayEquals(new byte[] {2}, buffer.get(Arrays.copyOf(intKey(i), 9)), "longer key " + i);
        }
    }

    /** {@code store} with its point reads counted and its write batches refused while {@code failPutAll[0]}. */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<Bytes, byte[]> counting(KeyValueStore<Bytes, byte[]> store, int[] gets,
                                                         boolean[] failPutAll) {
        return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        gets[0]++;
                    } else if (method.getName().equals("putAll") && failPutAll[0]) {
                        throw new IllegalStateException("store refused the batch");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void theEndOfAPrefixRangeSkipsTrailingFfBytes() {
        assertArrayEquals(new byte[] {1, 3}, TickStateBuffer.successor(new byte[] {1, 2}));
        assertArrayEquals(new byte[] {2}, TickStateBuffer.successor(new byte[] {1, (byte) 0xFF}));
        assertNull(TickStateBuffer.successor(new byte[] {(byte) 0xFF, (byte) 0xFF}));
        assertNull(TickStateBuffer.successor(new byte[0]));
    }

    private static byte[] intKey(int i) {
        return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
    }

    private static long count(KeyValueStore<Bytes, byte[]> store) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static List<String> text(List<Map.Entry<byte[], byte[]>> entries) {
        return entries.stream().map(e -> Bytes.wrap(e.getKey()) + "=" + Bytes.wrap(e.getValue())).toList();
    }
}
