package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
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

    /**
     * A tick's input rows buffered as the gather processor buffers them ({@code sourceNames} names the stream table's
     * sources by index): each row encoded as its gather record and given to the buffer with the record's offset;
     * held in memory (the ticks' offsets kept in a map here, where the app keeps them in its changelogged tick
     * ledger), in {@code store} beyond the app's memory bound.
     */
    public static TickInput tickInput(KeyValueStore<Bytes, byte[]> store, List<String> sourceNames) {
        return new TickInput(new TickBuffer(store, new TickMemory(new MapLedger(), GatherProcessor.TICK_MEMORY_BYTES)),
                List.copyOf(sourceNames));
    }

    /** A tick's pending input rows in a store, as the gather processor buffers them. */
    public static final class TickInput {
        private final TickBuffer buffer;
        private final List<String> sourceNames;
        /** The next gather record's offset. */
        private long offset;

        private TickInput(TickBuffer buffer, List<String> sourceNames) {
            this.buffer = buffer;
            this.sourceNames = sourceNames;
        }

        /** One change row of source {@code source} (an index into the source names) with its weight. */
        public void add(long tick, int source, Map<String, String> values, long weight) {
            byte[] record = GatherCodec.encode(new ChangeRecord.Row(tick, Math.toIntExact(weight), values, null));
            buffer.addEncoded(tick, source, record, GatherCodec.rowPairs(record), weight, offset++);
        }

        /** The tick's consolidated input per source name, removed from the buffer. */
        public Map<String, ZSet<Map<String, String>>> drain(long tick) {
            return buffer.drain(tick, sourceNames::get);
        }
    }

    /** The ticks' offsets in a map (the app's are in its tick ledger, changelogged: one entry per tick). */
    static final class MapLedger implements TickMemory.Ledger {
        private final SortedMap<Long, long[]> ticks = new TreeMap<>();

        @Override
        public void setInMemory(long tick, long first, long spillAt) {
            ticks.put(tick, new long[] {first, spillAt});
        }

        @Override
        public void forgetInMemory(long tick) {
            ticks.remove(tick);
        }

        @Override
        public SortedMap<Long, long[]> inMemory() {
            return new TreeMap<>(ticks);
        }
    }
}
