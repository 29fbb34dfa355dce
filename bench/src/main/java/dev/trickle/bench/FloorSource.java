package dev.trickle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The source connector's Kafka traffic alone: Connect's exactly-once source task writes each tick in one
 * transaction (its change records, a tick-end marker on every partition of the change topics, and the task's
 * offset on Connect's offsets topic) with the worker's producer settings (256 kB batches, 20 ms linger). The
 * warm-up's ticks first; then, once the coordinator says go, the measured ones, paced at the rate or back to back.
 */
final class FloorSource {
    private final KafkaFloorConfig cfg;
    private final String bootstrap;
    private final Path runDir;
    private final KafkaFloorTraffic traffic;

    FloorSource(KafkaFloorConfig cfg, String bootstrap, Path runDir) {
        this.cfg = cfg;
        this.bootstrap = bootstrap;
        this.runDir = runDir;
        this.traffic = cfg.traffic();
    }

    void run() throws Exception {
        // ConnectWorker's producer settings for the tasks, and the source connector's transaction timeout
        Map<String, String> base = Map.of("batch.size", "262144", "linger.ms", "20", "transaction.timeout.ms", "900000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaFloorChild.producer(bootstrap,
                "kfloor-source", base, cfg.overridesOf("source")))) {
            producer.initTransactions();
            long tick = 0;
            long changes = 0;
            for (long rows : cfg.ticks(cfg.warmupRowChanges())) {
                changes = tick(producer, ++tick, rows, changes);
            }
            long deadline = System.nanoTime() + cfg.timeoutSeconds() * 1_000_000_000L;
            while (!Files.exists(runDir.resolve(KafkaFloorChild.GO))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("no go from the coordinator within " + cfg.timeoutSeconds() + " s");
                }
                Thread.sleep(10);
            }
            long start = System.nanoTime();
            long i = 0;
            for (long rows : cfg.ticks(cfg.rowChanges())) {
                if (cfg.rate() > 0) {
                    long wait = start + i * cfg.tickMs() * 1_000_000L - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the ticker's cadence, not a test wait
                    }
                }
                changes = tick(producer, ++tick, rows, changes);
                i++;
            }
        }
        Thread.sleep(Long.MAX_VALUE); // stays until the coordinator stops it, read like the other processes
    }

    /** One tick's transaction; returns the change records written so far. */
    private long tick(KafkaProducer<byte[], byte[]> producer, long tick, long rows, long changesBefore) {
        producer.beginTransaction();
        long n = traffic.changeRecords(rows);
        for (long k = 0; k < n; k++) {
            int partition = (int) ((changesBefore + k) % 2);
            producer.send(new ProducerRecord<>(KafkaFloorChild.ORDERS, partition,
                    KafkaFloorChild.bytes(traffic.changeKey()), KafkaFloorChild.bytes(traffic.changeValue())));
        }
        for (String topic : new String[] {KafkaFloorChild.ORDERS, KafkaFloorChild.CUSTOMERS}) {
            for (int p = 0; p < 2; p++) {
                producer.send(new ProducerRecord<>(topic, p, null, KafkaFloorChild.marker(tick, p)));
            }
        }
        // the task's source offset (the tick), as Connect writes it inside the task's transaction (75 + 11 bytes)
        producer.send(new ProducerRecord<>(KafkaFloorChild.OFFSETS, 0, KafkaFloorChild.bytes(75), KafkaFloorChild.bytes(11)));
        producer.commitTransaction();
        return changesBefore + n;
    }
}
