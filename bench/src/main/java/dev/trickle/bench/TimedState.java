package dev.trickle.bench;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import java.util.List;
import java.util.Map;

/**
 * Wraps the RocksDB-backed {@link StateBackend} and times what the operators ask of it, by kind of call: point
 * reads, prefix scans, writes (held by the runtime's state buffer until the end of the tick) and the flush that
 * hands a tick's writes to RocksDB. CPU time of the benchmark's thread (wall time on a shared machine is mostly
 * waiting for a core): reading the thread's CPU clock costs about a microsecond, twice per store call, which the
 * RocksDB engine's CPU figure then includes. So the benchmark wraps the state only with
 * {@code -Dbench.rocks.timers=true}, in a run of its own.
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
        long t0 = IncrementalBench.cpuNanos();
        inner.flush();
        flushNanos += IncrementalBench.cpuNanos() - t0;
    }

    @Override
    public void clear() {
        inner.clear();
    }

    private OperatorState.KeyValueState timed(OperatorState.KeyValueState store) {
        return new OperatorState.KeyValueState() {
            @Override
            public byte[] get(byte[] key) {
                long t0 = IncrementalBench.cpuNanos();
                byte[] v = store.get(key);
                getNanos += IncrementalBench.cpuNanos() - t0;
                gets++;
                return v;
            }

            @Override
            public void put(byte[] key, byte[] value) {
                long t0 = IncrementalBench.cpuNanos();
                store.put(key, value);
                writeNanos += IncrementalBench.cpuNanos() - t0;
                writes++;
            }

            @Override
            public void delete(byte[] key) {
                long t0 = IncrementalBench.cpuNanos();
                store.delete(key);
                writeNanos += IncrementalBench.cpuNanos() - t0;
                writes++;
            }

            @Override
            public List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
                long t0 = IncrementalBench.cpuNanos();
                List<Map.Entry<byte[], byte[]>> out = store.prefix(prefix, limit);
                scanNanos += IncrementalBench.cpuNanos() - t0;
                scans++;
                return out;
            }
        };
    }
}
