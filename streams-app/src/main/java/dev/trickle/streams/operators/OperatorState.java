package dev.trickle.streams.operators;

import java.util.List;
import java.util.Map;

/**
 * The state an operator keeps across ticks: named key-value stores private to the operator (for example
 * a join's index of each input by join key, or an aggregate's per-group accumulators). Keys and values
 * are bytes, as the runtime keeps them in Kafka Streams state stores (changelogged, restored after a
 * crash): an operator encodes its rows once with {@code rows.RowCodec} and its ordered keys with
 * {@code rows.KeyTexts}, and no store converts them again. Keys are ordered unsigned bytewise (RocksDB's
 * order, {@code KeyTexts.compare}). Tests use {@link InMemoryStateBackend}; operators that keep text use
 * {@link TextState}.
 */
public interface OperatorState {
    /** Given to stateless operators: asking it for a store is a bug. */
    OperatorState NONE = name -> {
        throw new IllegalStateException("a stateless operator asked for state store " + name);
    };

    /** The store called {@code name}, empty on first use. */
    KeyValueState store(String name);

    /**
     * A key-value store of bytes; putting null deletes. Arrays are not copied (a tick makes thousands of
     * accesses): an array passed to {@link #put} must not be changed afterwards, and an array returned must
     * not be changed.
     */
    interface KeyValueState {
        byte[] get(byte[] key);

        void put(byte[] key, byte[] value);

        void delete(byte[] key);

        /**
         * The first {@code limit} entries whose key starts with {@code prefix}, in key order, reading no
         * further: an operator that needs only the head of an ordered store (a top-K) then does work that
         * grows with K, not with the store. The keys returned are whole keys, prefix included.
         */
        List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit);

        /**
         * Every entry whose key starts with {@code prefix}, in key order. Lets an operator keep one entry per
         * (key, row) and find all rows of a key, e.g. a join's partners.
         */
        default List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix) {
            return prefix(prefix, Integer.MAX_VALUE);
        }
    }
}
