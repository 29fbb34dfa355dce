package dev.trickle.bench;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import java.util.List;
import java.util.Map;

/**
 * Wraps the RocksDB-backed {@link StateBackend} and times what the operators ask of it, by kind of call: point
 * reads, prefix scans, writes (held by the runtime's tick buffer until the end of the tick) and the flush that
 * hands a tick's writes to RocksDB. Wall time ({@code System.nanoTime}, two calls per store call, well under a
 * microsecond): it says where the RocksDB engine's time goes, not what the calls cost without the timer.
 */
final class TimedState implements StateBackend {
    /** One tick's store calls: counts, and wall nanoseconds spent in them. */
    record Calls(long gets, long getNanos, long scans, long scanNanos, long writes, long writeNanos, long flushNanos) {
    }

    private final StateBackend inner;
    private long gets;
    private long getNanos;
    private long scans;
    private long scanNanos;
    private long writes;
    private long writeNanos;
    private long flushNanos;

    TimedState(StateBackend inner) {
        this.inner = inner;
    }

    /** The calls since the last time this was asked, and a fresh count. */
    Calls take() {
        Calls c = new Calls(gets, getNanos, scans, scanNanos, writes, writeNanos, flushNanos);
        gets = getNanos = scans = scanNanos = writes = writeNanos = flushNanos = 0;
        return c;
    }

    @Override
    public OperatorState forOperator(String operatorId) {
        OperatorState state = inner.forOperator(operatorId);
        return name -> timed(state.store(name));
    }

    @Override
    public void flush() {
        long t0 = System.nanoTime();
        inner.flush();
        flushNanos += System.nanoTime() - t0;
    }

    @Override
    public void clear() {
        inner.clear();
    }

    private OperatorState.KeyValueState timed(OperatorState.KeyValueState store) {
        return new OperatorState.KeyValueState() {
            @Override
            public byte[] get(byte[] key) {
                long t0 = System.nanoTime();
                byte[] v = store.get(key);
                getNanos += System.nanoTime() - t0;
                gets++;
                return v;
            }

            @Override
            public void put(byte[] key, byte[] value) {
                long t0 = System.nanoTime();
                store.put(key, value);
                writeNanos += System.nanoTime() - t0;
                writes++;
            }

            @Override
            public void delete(byte[] key) {
                long t0 = System.nanoTime();
                store.delete(key);
                writeNanos += System.nanoTime() - t0;
                writes++;
            }

            @Override
            public List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
                long t0 = System.nanoTime();
                List<Map.Entry<byte[], byte[]>> out = store.prefix(prefix, limit);
                scanNanos += System.nanoTime() - t0;
                scans++;
                return out;
            }
        };
    }
}
