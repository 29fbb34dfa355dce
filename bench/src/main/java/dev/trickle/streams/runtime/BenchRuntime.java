package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The runtime's own per-tick state code for the benchmark: {@link StoreStateBackend} (operator state in one
 * Kafka Streams key-value store per stream table) and {@link TickBuffer} (a tick's input delta kept in a
 * store until the tick is complete), both package-private in the streams app. Nothing here is used by it.
 */
public final class BenchRuntime {
    private BenchRuntime() {
    }

    /** Operator state in {@code store}, keyed exactly as the gather processor keeps it. */
    public static StateBackend stateBackend(KeyValueStore<Bytes, byte[]> store) {
        return new StoreStateBackend(store);
    }

    /** A tick's pending input rows in a store, as the gather processor buffers them. */
    public static final class PendingInput {
        private final TickBuffer buffer;
        private final List<String> sourceNames;

        /** @param sourceNames the stream table's sources ({@code SourceTable.qualifiedName()}) by index */
        public PendingInput(KeyValueStore<Bytes, byte[]> store, List<String> sourceNames) {
            this.buffer = new TickBuffer(store);
            this.sourceNames = List.copyOf(sourceNames);
        }

        public void add(long tick, int source, Map<String, String> values, long weight) {
            buffer.add(tick, source, values, weight);
        }

        /** The tick's consolidated input per source name, removed from the store. */
        public Map<String, ZSet<Map<String, String>>> drain(long tick) {
            return buffer.drain(tick, sourceNames::get);
        }
    }
}
