package dev.trickle.bench;

import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import java.util.List;
import java.util.Map;

/**
 * Wraps a {@link StateBackend} and counts what the operators do with it: the incremental work of a tick
 * in state operations (point reads, prefix scans and the entries they return, writes).
 */
final class CountingState implements StateBackend {
    private final StateBackend inner;
    long gets;
    long scans;
    long scanned;
    long puts;
    long deletes;

    CountingState(StateBackend inner) {
        this.inner = inner;
    }

    void reset() {
        gets = scans = scanned = puts = deletes = 0;
    }

    @Override
    public OperatorState forOperator(String operatorId) {
        OperatorState state = inner.forOperator(operatorId);
        return name -> counted(state.store(name));
    }

    @Override
    public void flush() {
        inner.flush();
    }

    @Override
    public void clear() {
        inner.clear();
    }

    private OperatorState.KeyValueState counted(OperatorState.KeyValueState store) {
        return new OperatorState.KeyValueState() {
            @Override
            public byte[] get(byte[] key) {
                gets++;
                return store.get(key);
            }

            @Override
            public void put(byte[] key, byte[] value) {
                if (value == null) {
                    deletes++;
                } else {
                    puts++;
                }
                store.put(key, value);
            }

            @Override
            public void delete(byte[] key) {
                deletes++;
                store.delete(key);
            }

            @Override
            public List<Map.Entry<byte[], byte[]>> prefix(byte[] prefix, int limit) {
                scans++;
                List<Map.Entry<byte[], byte[]>> out = store.prefix(prefix, limit);
                scanned += out.size();
                return out;
            }
        };
    }
}
