package dev.trickle.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The streams app's Kafka traffic alone, as one stream thread under {@code exactly_once_v2} does it: one consumer
 * (read_committed) on the change topics and the gather topic, one transactional producer, and every
 * {@code commit.interval.ms} the consumed offsets sent to the transaction and the transaction committed. Per change
 * record: a gather record (the aggregate's scatter) and the filter's delta records (streamed as they arrive); per
 * tick, once the tick's markers came from every change partition: the filter's delta marker and the tick ledgers'
 * changelog records; once they came from both scatter partitions on the gather topic: the join state's changelog
 * records for the tick's gathered rows, the aggregate's delta records and its marker. The counts are the measured
 * ones ({@link KafkaFloorTraffic}); the operators themselves are not run.
 */
final class FloorStreams {
    private final KafkaFloorConfig cfg;
    private final String bootstrap;
    private final KafkaFloorTraffic traffic;
    private final Map<Long, Integer> changeMarkers = new HashMap<>();
    private final Map<Long, Integer> gatherMarkers = new HashMap<>();
    private final Map<String, Integer> scatterMarkers = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> consumed = new HashMap<>();
    private KafkaProducer<byte[], byte[]> producer;
    private long changes;
    private long gathered;
    private long gatherSent;
    private long paidSent;
    private long stateSent;

    FloorStreams(KafkaFloorConfig cfg, String bootstrap, Path runDir) {
        this.cfg = cfg;
        this.bootstrap = bootstrap;
        this.traffic = cfg.traffic();
    }

    /** Runs until the coordinator stops the process. */
    void run() {
        // the streams app's settings (AppConfig, StreamsConfig's defaults under exactly-once: linger 100 ms,
        // max.poll.records 1000) and its transaction timeout
        Map<String, String> producerBase = Map.of("batch.size", "262144", "linger.ms", "100",
                "transaction.timeout.ms", "300000");
        Map<String, String> consumerBase = Map.of("max.poll.records", "1000", "max.poll.interval.ms", "900000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaFloorChild.consumer(bootstrap,
                "kfloor-streams", consumerBase, cfg.overridesOf("streams")));
             KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaFloorChild.producer(bootstrap,
                     "kfloor-streams-0_0", producerBase, cfg.overridesOf("streams")))) {
            producer = p;
            producer.initTransactions();
            consumer.subscribe(List.of(KafkaFloorChild.ORDERS, KafkaFloorChild.CUSTOMERS, KafkaFloorChild.GATHER));
            producer.beginTransaction();
            long lastCommit = System.nanoTime();
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    handle(r);
                    consumed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!consumed.isEmpty() && System.nanoTime() - lastCommit >= cfg.commitIntervalMs() * 1_000_000L) {
                    producer.sendOffsetsToTransaction(Map.copyOf(consumed), consumer.groupMetadata());
                    producer.commitTransaction();
                    consumed.clear();
                    producer.beginTransaction();
                    lastCommit = System.nanoTime();
                }
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        boolean marker = KafkaFloorChild.isMarker(r.value());
        if (r.topic().equals(KafkaFloorChild.GATHER)) {
            if (marker) {
                gatherMarker(KafkaFloorChild.markerTick(r.value()));
            } else {
                gathered++;
            }
        } else if (marker) {
            changeMarker(r.partition(), KafkaFloorChild.markerTick(r.value()));
        } else {
            changes++;
            long gather = KafkaFloorTraffic.upTo(changes, traffic.gatherPerChange());
            for (; gatherSent < gather; gatherSent++) {
                send(KafkaFloorChild.GATHER, traffic.gatherKey(), traffic.gatherValue());
            }
            long paid = KafkaFloorTraffic.upTo(changes, traffic.paidPerChange());
            for (; paidSent < paid; paidSent++) {
                send(KafkaFloorChild.PAID, traffic.paidKey(), traffic.paidValue());
            }
        }
    }

    /** A scatter task (orders-p with customers-p) ends the tick on the gather topic once both its partitions did. */
    private void changeMarker(int partition, long tick) {
        if (scatterMarkers.merge(partition + "/" + tick, 1, Integer::sum) == 2) {
            scatterMarkers.remove(partition + "/" + tick);
            producer.send(new ProducerRecord<>(KafkaFloorChild.GATHER, 0, null, KafkaFloorChild.marker(tick, partition)));
        }
        if (changeMarkers.merge(tick, 1, Integer::sum) == 4) {
            changeMarkers.remove(tick);
            producer.send(new ProducerRecord<>(KafkaFloorChild.PAID, 0, null, KafkaFloorChild.marker(tick, 0)));
            for (int k = 0; k < traffic.metaLogPerTick(); k++) {
                send(KafkaFloorChild.META_LOG, 26, 3);
            }
        }
    }

    /** The aggregate's tick: its join state's changelog records, its delta, its marker. */
    private void gatherMarker(long tick) {
        if (gatherMarkers.merge(tick, 1, Integer::sum) < 2) {
            return;
        }
        gatherMarkers.remove(tick);
        long state = KafkaFloorTraffic.upTo(gathered, traffic.stateLogPerGathered());
        for (; stateSent < state; stateSent++) {
            send(KafkaFloorChild.STATE_LOG, traffic.stateKey(), traffic.stateValue());
        }
        for (int k = 0; k < traffic.aggregatePerTick(); k++) {
            send(KafkaFloorChild.REVENUE, traffic.aggregateKey(), traffic.aggregateValue());
        }
        producer.send(new ProducerRecord<>(KafkaFloorChild.REVENUE, 0, null, KafkaFloorChild.marker(tick, 0)));
    }

    private void send(String topic, int keyBytes, int valueBytes) {
        producer.send(new ProducerRecord<>(topic, 0, KafkaFloorChild.bytes(keyBytes), KafkaFloorChild.bytes(valueBytes)));
    }
}
