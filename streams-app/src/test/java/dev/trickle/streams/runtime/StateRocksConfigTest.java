package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.OperatorState;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state stores' RocksDB options: stores open and work with them; a bad cache size is refused saying why. */
class StateRocksConfigTest {
    @TempDir
    Path dir;

    private KeyValueStore<Bytes, byte[]> open(String name, String cacheMb) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "state-rocks-config-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, StateRocksConfig.class.getName());
        p.put(StateRocksConfig.CACHE_MB, cacheMb);
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    @Test
    void storesOpenedWithTheOptionsKeepTheirEntries() {
        KeyValueStore<Bytes, byte[]> a = open("a", "8");
        KeyValueStore<Bytes, byte[]> b = open("b", "8");
        try {
            OperatorState.KeyValueState s = new StoreStateBackend(a).forOperator("op").store("rows");
            for (int i = 0; i < 1000; i++) {
                s.put(new byte[] {(byte) (i >> 8), (byte) i}, new byte[] {(byte) i});
            }
            assertArrayEquals(new byte[] {7}, s.get(new byte[] {0, 7}));
            assertEquals(256, s.prefix(new byte[] {1}).size());
            assertEquals(List.of(), new StoreStateBackend(b).forOperator("op").store("rows").prefix(new byte[0]));
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aCacheSizeThatIsNotAPositiveNumberIsRefused() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> open("bad", "lots"));
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains(StateRocksConfig.CACHE_MB + "=lots is not a size in MB"), cause.toString());
    }
}
