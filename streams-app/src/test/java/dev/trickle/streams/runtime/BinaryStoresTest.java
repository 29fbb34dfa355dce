package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.topk.OrderKeyCodec;
import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.RowCodec;
import dev.trickle.streams.rows.ZSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's stores on RocksDB, as the app runs them (bytes to bytes): operator state keeps the key
 * order top-K and window operators read, tick buffers give back the rows they were given, and what an
 * earlier version stored is recognised.
 */
class BinaryStoresTest {
    @TempDir
    Path dir;
    private TestRocksStores stores;

    @BeforeEach
    void openStores() {
        stores = new TestRocksStores(dir, "binary-stores-test");
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private KeyValueStore<Bytes, byte[]> rocks(String name) {
        return stores.open(name);
    }

    @Test
    void orderedKeysComeBackInTheOrderTheOperatorsBuiltThem() throws EvaluationException {
        OrderKeyCodec codec = new OrderKeyCodec(List.of(new SortKey(0, PgType.NUMERIC, false, false),
                new SortKey(1, PgType.TEXT, true, true)));
        List<List<String>> rows = List.of(Arrays.asList("-10.5", "b"), Arrays.asList("-10.5", "a"),
                Arrays.asList("0", null), Arrays.asList("0", "é"), Arrays.asList("0", "z"), Arrays.asList("2", "𝄞"),
                Arrays.asList("10", "x"), Arrays.asList("1e3", "x"), Arrays.asList(null, "x"));
        TextState store = TextState.of(new StoreStateBackend(rocks("order")).forOperator("topk1").store("rows"));
        List<String> keys = new ArrayList<>();
        for (List<String> row : rows) {
            String key = codec.encode(row) + OrderKeyCodec.tieKey(row);
            keys.add(key);
            store.put(key, String.join(",", String.valueOf(row.get(0)), String.valueOf(row.get(1))));
        }
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort(String::compareTo);
        List<String> read = store.prefix("").stream().map(Map.Entry::getKey).toList();
        assertEquals(sorted, read, "the store's byte order is the keys' string order");
        assertEquals(sorted.subList(0, 3), store.prefix("", 3).stream().map(Map.Entry::getKey).toList());
        assertEquals("-10.5,a", store.get(sorted.get(1)));
    }

    @Test
    void rocksDbAndMemoryKeepTheSameBytesInTheSameOrder() {
        OperatorState.KeyValueState rocks = new StoreStateBackend(rocks("same")).forOperator("op").store("s");
        OperatorState.KeyValueState memory = new InMemoryStateBackend().forOperator("op").store("s");
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 500; i++) {
            byte[] key = new byte[1 + random.nextInt(4)];
            random.nextBytes(key);
            byte[] value = Long.toString(random.nextLong()).getBytes(StandardCharsets.UTF_8);
            for (OperatorState.KeyValueState s : List.of(rocks, memory)) {
                if (i % 7 == 0) {
                    s.delete(key);
                } else {
                    s.put(key, value);
                }
            }
        }
        for (byte[] prefix : List.of(new byte[0], new byte[] {0}, new byte[] {(byte) 0x80}, new byte[] {(byte) 0xFF})) {
            assertEquals(entries(memory.prefix(prefix)), entries(rocks.prefix(prefix)));
            assertEquals(entries(memory.prefix(prefix, 3)), entries(rocks.prefix(prefix, 3)));
        }
        List<String> all = entries(rocks.prefix(new byte[0]));
        assertTrue(all.size() > 100, "keys were kept: " + all.size());
    }

    private static List<String> entries(List<Map.Entry<byte[], byte[]>> entries) {
        return entries.stream().map(e -> Arrays.toString(e.getKey()) + "=" + new String(e.getValue(),
                StandardCharsets.UTF_8)).toList();
    }

    @Test
    void namespacesAndPrefixesKeepOperatorsApart() {
        StoreStateBackend backend = new StoreStateBackend(rocks("ns"));
        TextState a = TextState.of(backend.forOperator("join1").store("left"));
        TextState b = TextState.of(backend.forOperator("join1").store("leftx"));
        TextState c = TextState.of(backend.forOperator("join").store("1left"));
        a.put("k|1", "1");
        a.put("k|2", "2");
        a.put("kk|1", "3");
        b.put("k|1", "4");
        c.put("k|1", "5");
        assertEquals(List.of(Map.entry("k|1", "1"), Map.entry("k|2", "2")), a.prefix("k|"));
        assertEquals(List.of(Map.entry("k|1", "4")), b.prefix(""));
        assertEquals(List.of(Map.entry("k|1", "5")), c.prefix(""));
        a.put("k|1", null);
        assertNull(a.get("k|1"));
        assertFalse(backend.holdsEarlierFormat());
        backend.clear();
        assertEquals(List.of(), b.prefix(""));
    }

    @Test
    void aTickBufferGivesBackItsRowsConsolidatedPerTickAndSource() {
        TickBuffer buffer = new TickBuffer(rocks("pending"));
        Map<String, String> r1 = Map.of("id", "1", "name", "ann");
        Map<String, String> r2 = new LinkedHashMap<>();
        r2.put("id", "2");
        r2.put("name", null);
        buffer.add(7, 0, r1, 1);
        buffer.add(7, 0, r2, 2);
        buffer.add(7, 1, r1, 1);
        buffer.add(7, 1, r1, -1);
        buffer.add(8, 0, r1, 5);
        buffer.add(300, 0, r1, 1);
        Map<String, ZSet<Map<String, String>>> tick7 = buffer.drain(7, i -> "s" + i);
        assertEquals(Map.of("s0", new ZSet<Map<String, String>>().add(r1, 1).add(r2, 2)), tick7);
        buffer.fold(0, 7, 8, 300);
        assertEquals(Map.of("s0", new ZSet<Map<String, String>>().add(r1, 6)), buffer.drain(300, i -> "s" + i));
        assertEquals(Map.of(), buffer.drain(8, i -> "s" + i));
        assertFalse(buffer.holdsEarlierFormat());
    }

    @Test
    void rowsCopiedFromGatherRecordsAreSummedWhenTheTickIsDrainedAndAReadAgainRecordCountsOnce() {
        KeyValueStore<Bytes, byte[]> store = rocks("pending-encoded");
        TickBuffer buffer = new TickBuffer(store);
        Map<String, String> r1 = new LinkedHashMap<>();
        r1.put("id", "1");
        r1.put("name", null);
        r1.put("note", "");
        Map<String, String> r2 = Map.of("id", "2");
        byte[] minus = GatherCodec.encode(new ChangeRecord.Row(7, -1, r1, 4L));
        byte[] plus = GatherCodec.encode(new ChangeRecord.Row(7, 1, r1, null));
        byte[] other = GatherCodec.encode(new ChangeRecord.Row(7, 1, r2, null));
        buffer.add(7, 0, r1, 3);
        put(buffer, 7, 0, minus, -1, 10);
        buffer = new TickBuffer(store); // as after a restart: the same record is read again
        put(buffer, 7, 0, minus, -1, 10);
        put(buffer, 7, 1, plus, 1, 11);
        put(buffer, 7, 1, plus, 1, 12); // adds to the entry put at offset 11
        put(buffer, 7, 1, other, 1, 13);
        put(buffer, 7, 1, other, -1, 14); // cancels out at once
        put(buffer, 8, 0, plus, 1, -1); // no offset known: consolidated as add does
        put(buffer, 8, 0, plus, 1, -1);
        assertEquals(4, count(store), "r1 by add, r1 at offset 10, r1 at offset 11 (weight 2), r1 of tick 8");
        assertEquals(Map.of("s0", new ZSet<Map<String, String>>().add(r1, 2),
                "s1", new ZSet<Map<String, String>>().add(r1, 2)), buffer.drain(7, i -> "s" + i));
        put(buffer, 9, 0, plus, 1, 20);
        buffer = new TickBuffer(store); // a restart between a row and the one that cancels it
        put(buffer, 9, 0, minus, -1, 21);
        put(buffer, 9, 0, plus, 1, 22);
        put(buffer, 9, 0, minus, -1, 23);
        assertEquals(Map.of(), buffer.drain(9, i -> "s" + i), "summed to nothing at the drain");
        buffer.fold(0, 7, 8, 300);
        assertEquals(Map.of("s0", new ZSet<Map<String, String>>().add(r1, 2)), buffer.drain(300, i -> "s" + i));
        assertTrue(buffer.isEmpty());
        assertFalse(buffer.holdsEarlierFormat());
    }

    private static void put(TickBuffer buffer, long tick, int source, byte[] gathered, long weight, long offset) {
        buffer.addEncoded(tick, source, gathered, GatherCodec.rowPairs(gathered), weight, offset);
    }

    private static int count(KeyValueStore<Bytes, byte[]> store) {
        int n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void storesAnEarlierVersionWroteAreRecognised() {
        KeyValueStore<Bytes, byte[]> pendingStore = rocks("old-pending");
        // what 0.3 kept: "<tick>|<source>|<JSON row>" → a Long
        pendingStore.put(Bytes.wrap("0000000000000000007|0|{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8)),
                new byte[] {0, 0, 0, 0, 0, 0, 0, 1});
        TickBuffer buffer = new TickBuffer(pendingStore);
        assertTrue(buffer.holdsEarlierFormat());
        buffer.clear();
        assertFalse(buffer.holdsEarlierFormat());

        KeyValueStore<Bytes, byte[]> stateStore = rocks("old-state");
        stateStore.put(Bytes.wrap("join1\u0001left\u00011:1|1:a".getBytes(StandardCharsets.UTF_8)),
                "1".getBytes(StandardCharsets.UTF_8));
        StoreStateBackend state = new StoreStateBackend(stateStore);
        assertTrue(state.holdsEarlierFormat());
        state.clear();
        assertFalse(state.holdsEarlierFormat());
    }

    @Test
    void stateOfFormatOneIsRecognisedEvenBesideEntriesOfThisFormat() {
        KeyValueStore<Bytes, byte[]> stateStore = rocks("format1");
        StoreStateBackend state = new StoreStateBackend(stateStore);
        state.forOperator("op0").store("groups").put(new byte[] {1}, new byte[] {2});
        assertFalse(state.holdsEarlierFormat());
        // what 0.4 kept before this format: the row codec's version byte, then UTF-8 strings
        stateStore.put(Bytes.wrap(new byte[] {RowCodec.VERSION, 'o', 'p', '0', 1, 'g', 1, 'k'}),
                new byte[] {RowCodec.VERSION, '1'});
        assertTrue(state.holdsEarlierFormat(), "an entry of format 1 sorts after every entry of this format");
        assertTrue(RowCodec.VERSION != StoreStateBackend.FORMAT);
    }
}
