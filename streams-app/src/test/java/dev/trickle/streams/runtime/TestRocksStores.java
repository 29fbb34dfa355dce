package dev.trickle.streams.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * RocksDB stores of the runtime's kind (bytes to bytes, no changelog, no cache) opened standalone in a test's
 * directory, through {@link MockProcessorContext}'s store context; closed with the fixture.
 */
public final class TestRocksStores implements AutoCloseable {
    private final MockProcessorContext<Object, Object> context;
    private final List<KeyValueStore<Bytes, byte[]>> opened = new ArrayList<>();

    public TestRocksStores(Path dir, String applicationId) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
    }

    /** A new store named {@code name}, initialised and open until {@link #close()} (or the caller closes it). */
    public KeyValueStore<Bytes, byte[]> open(String name) {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        opened.add(store);
        return store;
    }

    @Override
    public void close() {
        for (KeyValueStore<Bytes, byte[]> store : opened) {
            if (store.isOpen()) {
                store.close();
            }
        }
        opened.clear();
    }
}
