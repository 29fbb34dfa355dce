package dev.trickle.bench;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;

/**
 * RocksDB options to try on the benchmark's stores ({@code -Dbench.rocksdb.config.setter=dev.trickle.bench.RocksOptionsTrial}):
 * one block cache of {@code -Dbench.rocks.cache.mb} MB shared by every store instead of Kafka Streams' 50 MB per
 * store, and with {@code -Dbench.rocks.index.in.cache=true} the index and filter blocks kept in that cache (bounded
 * memory) instead of in each table reader. Measured in docs/benchmarks.md (session 7); the app does not use it.
 */
public final class RocksOptionsTrial implements RocksDBConfigSetter {
    private static Cache cache;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache(Long.parseLong(String.valueOf(configs.getOrDefault("bench.rocks.cache.mb", "256")))));
        boolean indexInCache = Boolean.parseBoolean(String.valueOf(configs.getOrDefault("bench.rocks.index.in.cache",
                "false")));
        table.setCacheIndexAndFilterBlocks(indexInCache);
        table.setPinL0FilterAndIndexBlocksInCache(indexInCache);
        options.setTableFormatConfig(table);
    }

    /** One cache for the whole run: every store shares it. */
    private static synchronized Cache cache(long mb) {
        if (cache == null) {
            cache = new LRUCache(mb << 20);
        }
        return cache;
    }

    @Override
    public void close(String storeName, Options options) {
        // the shared cache outlives each store
    }
}
