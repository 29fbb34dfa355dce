package dev.trickle.bench;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.Options;

/**
 * RocksDB options for point gets, tried on the benchmark's stores
 * ({@code -Dbench.rocksdb.config.setter=dev.trickle.bench.RocksPointLookupTrial}), on top of Kafka Streams' own
 * (a 50 MB block cache per store, whole-key Bloom filters on the tables, no compression). Operator state is read
 * by point gets of known keys more than by scans, and about half of those gets ask for a key that is not there
 * (a new row), so this tries:
 * <ul>
 *   <li>a whole-key Bloom filter on the memtables, so that a get for a key no memtable holds skips their skip
 *       lists (the tables' filters do the same for the files);
 *   <li>a hash index inside each data block, so that a get finds its key in the block without the binary search
 *       over the block's restart points.
 * </ul>
 * Measured in docs/benchmarks.md (session 8): the join's RocksDB engine took 29.6 → 43.3 ms of CPU per tick
 * with it, so the app does not use it.
 */
public final class RocksPointLookupTrial implements RocksDBConfigSetter {
    /** Share of each memtable's memory given to its Bloom filter (RocksDB's suggested 0.1 or less). */
    private static final double MEMTABLE_BLOOM_RATIO = 0.05;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO);
        options.setMemtableWholeKeyFiltering(true);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash);
        table.setDataBlockHashTableUtilRatio(0.75);
        // Kafka Streams set its cache and filter on this object: setting it again keeps them
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // nothing of its own to release: the options it set belong to the store's Options
    }
}
