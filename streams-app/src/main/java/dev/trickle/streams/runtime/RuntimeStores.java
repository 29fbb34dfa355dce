package dev.trickle.streams.runtime;

import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The runtime's per-tick stores for code that drives a compiled pipeline outside a Kafka Streams topology (the
 * benchmark): operator state in a key-value store ({@link StoreStateBackend}) and a tick's input buffered in a
 * store until the tick is complete ({@link TickBuffer}), keyed exactly as the gather processor keeps them.
 */
public final class RuntimeStores {
    private RuntimeStores() {
    }

    /** Operator state of one stream table in {@code store}. */
    public static StateBackend stateBackend(KeyValueStore<Bytes, byte[]> store) {
        return new StoreStateBackend(store);
    }

    /** A tick's input rows buffered in {@code store}; {@code sourceNames} names the stream table's sources by index. */
    public static TickInput tickInput(KeyValueStore<Bytes, byte[]> store, List<String> sourceNames) {
        return new TickInput(new TickBuffer(store), List.copyOf(sourceNames));
    }

    /** A tick's pending input rows in a store, as the gather processor buffers them. */
    public static final class TickInput {
        private final TickBuffer buffer;
        private final List<String> sourceNames;

        private TickInput(TickBuffer buffer, List<String> sourceNames) {
            this.buffer = buffer;
            this.sourceNames = sourceNames;
        }

        /** One change row of source {@code source} (an index into the source names) with its weight. */
        public void add(long tick, int source, Map<String, String> values, long weight) {
            buffer.add(tick, source, values, weight);
        }

        /** The tick's consolidated input per source name, removed from the store. */
        public Map<String, ZSet<Map<String, String>>> drain(long tick) {
            return buffer.drain(tick, sourceNames::get);
        }
    }
}
