package dev.trickle.source;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record that knows which tick delivery it belongs to: {@code commitRecord} receives the very
 * object {@code poll()} returned, so acknowledgements can be counted per tick without a lookup table.
 */
final class TickRecord extends SourceRecord {
    private final DeliveryTracker.TickDelivery delivery;
    private final boolean lastOfTick;

    TickRecord(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic, int partition,
               Schema keySchema, Object key, Schema valueSchema, Object value, long timestamp,
               DeliveryTracker.TickDelivery delivery, boolean lastOfTick) {
        super(sourcePartition, sourceOffset, topic, partition, keySchema, key, valueSchema, value, timestamp);
        this.delivery = delivery;
        this.lastOfTick = lastOfTick;
    }

    /** Connect has this record (and, with transactions, the whole transaction it ended). */
    void acknowledge() {
        delivery.acknowledge(lastOfTick);
    }
}
