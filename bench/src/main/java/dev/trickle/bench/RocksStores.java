package dev.trickle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Kafka Streams' RocksDB key-value stores opened standalone (no broker, no topology): the same builder
 * as the streams app's ({@code Stores.persistentKeyValueStore}, String serdes, no caching), initialised
 * through {@link MockProcessorContext}'s store context. The changelog is off: its writes are Kafka
 * transport, which this benchmark leaves out of the per-tick ratio (it counts the state writes instead).
 */
final class RocksStores implements AutoCloseable {
    private final Path dir;
    private final MockProcessorContext<Object, Object> context;
    private final List<StateStore> opened = new ArrayList<>();

    RocksStores(Path dir) {
        this.dir = dir;
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "trickle-bench");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        // -Dbench.rocksdb.config.setter=CLASS: the stores' RocksDB options as the app would set them with
        // rocksdb.config.setter (the class's settings as -Dbench.rocks.* properties, see RocksOptionsTrial)
        String setter = System.getProperty("bench.rocksdb.config.setter");
        if (setter != null && !setter.isBlank()) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, setter);
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.rocks."))
                    .forEach(k -> p.put(k, System.getProperty(k)));
        }
        this.context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
    }

    /** A RocksDB store of the runtime's kind (bytes to bytes, see StoreStateBackend and TickBuffer). */
    KeyValueStore<Bytes, byte[]> bytes(String name) {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        opened.add(store);
        return store;
    }

    /** Entries and their key + value bytes, by reading the whole store. */
    static long[] logicalSize(KeyValueStore<Bytes, byte[]> store) {
        long entries = 0;
        long bytes = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                entries++;
                bytes += kv.key.get().length + kv.value.length;
            }
        }
        return new long[] {entries, bytes};
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Bytes of the files RocksDB keeps for store {@code name} (after {@link #close()}, which flushes the memtables). */
    long diskBytes(String name) {
        Path storeDir = dir.resolve("rocksdb").resolve(name);
        if (!Files.isDirectory(storeDir)) {
            // the layout is Kafka Streams' own; look the directory up rather than fail on a change of it
            try (Stream<Path> all = Files.walk(dir)) {
                storeDir = all.filter(p -> p.getFileName().toString().equals(name) && Files.isDirectory(p))
                        .findFirst().orElse(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Stream<Path> files = Files.walk(storeDir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the stores' files (after {@link #close()}). */
    void deleteFiles() {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (StateStore s : opened) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // closing at the end of the run; nothing to recover
            }
        }
        opened.clear();
    }
}
