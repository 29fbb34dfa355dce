package dev.trickle.source;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record that knows which tick delivery it belongs to: {@code commitRecord} receives the very
 * object {@code poll()} returned, so acknowledgements can be counted per tick without a lookup table.
 *
 * <p>Its hash is computed once. With exactly-once delivery the worker puts every record into hash sets and maps
 * (the transaction context's commit and abort requests, checked per record, and the records sent in the open
 * transaction): five {@link SourceRecord#hashCode} calls per record, each a walk over the key's and the value's
 * Structs, the row included. That was a tenth of the worker's CPU while writers ran flat out (docs/benchmarks.md,
 * Throughput, session 13). Equality stays {@link SourceRecord#equals}: the hash is the same value, kept.
 */
final class TickRecord extends SourceRecord {
    private final DeliveryTracker.TickDelivery delivery;
    private final boolean lastOfTick;
    /**
     * {@link SourceRecord#hashCode} once computed, 0 before (as {@link String}'s: a record whose hash is 0 is
     * hashed each time). Unsynchronized: the task's thread and the producer's both ask, and either computes the
     * same value from fields nobody changes after {@code poll()} returned the record.
     */
    private int hash;

    TickRecord(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic, int partition,
               Schema keySchema, Object key, Schema valueSchema, Object value, long timestamp,
               DeliveryTracker.TickDelivery delivery, boolean lastOfTick) {
        super(sourcePartition, sourceOffset, topic, partition, keySchema, key, valueSchema, value, timestamp);
        this.delivery = delivery;
        this.lastOfTick = lastOfTick;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = super.hashCode();
            hash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o); // unchanged: only the hash is kept (declared with hashCode, as they belong together)
    }

    /** Connect has this record (and, with transactions, the whole transaction it ended). */
    void acknowledge() {
        delivery.acknowledge(lastOfTick);
    }
}
