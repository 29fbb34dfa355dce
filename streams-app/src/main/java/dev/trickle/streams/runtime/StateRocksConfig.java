package dev.trickle.streams.runtime;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;

/**
 * RocksDB options of the app's state stores (rocksdb.config.setter): one block cache shared by every store of
 * the instance instead of Kafka Streams' 50 MB per store, so that a stream table's large operator state (a join's
 * indexes) is read from the cache rather than from files, while many small stores do not each reserve their own;
 * index and filter blocks live in that cache (bounded memory); whole-key Bloom filters keep the point reads of
 * absent keys (a new row, a new group) off the files.
 *
 * <p>{@value #CACHE_MB} sets the cache's size in MB (default {@value #DEFAULT_CACHE_MB}); it is off-heap.
 */
public final class StateRocksConfig implements RocksDBConfigSetter {
    /** The shared block cache's size in MB. */
    public static final String CACHE_MB = "trickle.state.block.cache.mb";
    static final long DEFAULT_CACHE_MB = 256;
    private static Cache cache;
    private static long cacheMb;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache(megabytes(configs.get(CACHE_MB))));
        table.setCacheIndexAndFilterBlocks(true);
        table.setPinL0FilterAndIndexBlocksInCache(true);
        table.setFilterPolicy(new BloomFilter(10, false));
        options.setTableFormatConfig(table);
    }

    /** The one cache of this JVM: the stores of every stream thread and task share it. */
    private static synchronized Cache cache(long mb) {
        if (cache == null || mb != cacheMb) {
            // a different size only in tests that run several configurations in one JVM; the old cache stays
            // referenced by the stores opened with it
            cache = new LRUCache(mb << 20);
            cacheMb = mb;
        }
        return cache;
    }

    private static long megabytes(Object value) {
        if (value == null || value.toString().isBlank()) {
            return DEFAULT_CACHE_MB;
        }
        try {
            long mb = Long.parseLong(value.toString().trim());
            if (mb > 0) {
                return mb;
            }
        } catch (NumberFormatException e) {
            // refused below with the value
        }
        throw new IllegalArgumentException(CACHE_MB + "=" + value + " is not a size in MB: give a positive whole number,"
                + " e.g. " + DEFAULT_CACHE_MB);
    }

    @Override
    public void close(String storeName, Options options) {
        // the shared cache outlives each store (Kafka Streams' guide: closing it here would break the others)
    }
}
