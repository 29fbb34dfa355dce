package dev.trickle.streams.operators;

import java.util.List;
import java.util.Map;

/**
 * Operator state that counts what an operator does with it: the tests that check work per tick grows
 * with the change (not the table) assert on these counts.
 */
public final class CountingOperatorState implements OperatorState {
    private final OperatorState inner;
    private long reads;
    private long writes;
    private long scans;
    private long scanned;

    public CountingOperatorState(OperatorState inner) {
        this.inner = inner;
    }

    /** Point reads. */
    public long reads() {
        return reads;
    }

    /** Puts and deletes. */
    public long writes() {
        return writes;
    }

    /** Prefix scans started. */
    public long scans() {
        return scans;
    }

    /** Entries returned by prefix scans. */
    public long scanned() {
        return scanned;
    }

    /** Every entry read, by point reads and scans. */
    public long entriesRead() {
        return reads + scanned;
    }

    public void reset() {
        reads = 0;
        writes = 0;
        scans = 0;
        scanned = 0;
    }

    @Override
    public KeyValueState store(String name) {
        KeyValueState s = inner.store(name);
        return new KeyValueState() {
            @Override
            public byte[] get(byte[] key) {
                reads++;
                return s.get(key);
            }

            @Override
            public void put(byte[] key, byte[] value) {
                writes++;
                s.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                writes++;
                s.delete(key);
            }

            @Override
            public List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
                return counted(s.prefix(prefix, limit));
            }
        };
    }

    private List<Map.Entry<byte[], byte[]>> counted(List<Map.Entry<byte[], byte[]>> entries) {
        scans++;
        scanned += entries.size();
        return entries;
    }
}
