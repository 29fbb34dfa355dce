package dev.trickle.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The sink connector's Kafka traffic alone: two tasks (one consumer each, read_committed) read the two delta topics
 * and commit their offsets every second (the worker's {@code offset.flush.interval.ms}); nothing is applied. Tells
 * the coordinator when both delta topics have ended the warm-up's last tick ({@code warm}) and the run's last tick
 * ({@code done}: the time, and the delta records read in all, filter's and aggregate's).
 */
final class FloorSink {
    private final KafkaFloorConfig cfg;
    private final String bootstrap;
    private final Path runDir;

    FloorSink(KafkaFloorConfig cfg, String bootstrap, Path runDir) {
        this.cfg = cfg;
        this.bootstrap = bootstrap;
        this.runDir = runDir;
    }

    /** One task's progress: the last tick it saw end, and the data records it read. */
    private static final class Task {
        final AtomicLong tick = new AtomicLong();
        final AtomicLong records = new AtomicLong();
    }

    void run() throws Exception {
        long warmTick = cfg.warmupTicks();
        long lastTick = warmTick + cfg.measuredTicks();
        List<String> topics = List.of(KafkaFloorChild.PAID, KafkaFloorChild.REVENUE);
        List<Task> tasks = List.of(new Task(), new Task());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 2; i++) {
            String topic = topics.get(i);
            Task task = tasks.get(i);
            Thread t = new Thread(() -> {
                try {
                    consume(topic, task);
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "kfloor-sink-" + i);
            t.setDaemon(true);
            t.start();
        }
        boolean warmSignalled = false;
        while (true) {
            if (failure.get() != null) {
                throw new IllegalStateException("a sink task failed", failure.get());
            }
            long seen = Math.min(tasks.get(0).tick.get(), tasks.get(1).tick.get());
            if (!warmSignalled && seen >= warmTick) {
                KafkaFloorChild.signal(runDir, KafkaFloorChild.WARM, Long.toString(System.currentTimeMillis()));
                warmSignalled = true;
            }
            if (seen >= lastTick) {
                long paid = tasks.get(0).records.get();
                long revenue = tasks.get(1).records.get();
                KafkaFloorChild.signal(runDir, KafkaFloorChild.DONE, System.currentTimeMillis() + " " + paid + " " + revenue);
                Thread.sleep(Long.MAX_VALUE); // stays until the coordinator stops it, read like the other processes
            }
            Thread.sleep(5); // the end time's resolution
        }
    }

    private void consume(String topic, Task task) {
        // Connect's defaults for a sink task's consumer (max.poll.records 500), the sink connector's overrides
        Map<String, String> base = Map.of("max.poll.records", "500", "metadata.max.age.ms", "1000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaFloorChild.consumer(bootstrap,
                "kfloor-sink", base, cfg.overridesOf("sink")))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            long lastCommit = System.nanoTime();
            while (true) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (KafkaFloorChild.isMarker(r.value())) {
                        task.tick.set(KafkaFloorChild.markerTick(r.value()));
                    } else {
                        task.records.incrementAndGet();
                    }
                }
                if (System.nanoTime() - lastCommit >= 1_000_000_000L) {
                    consumer.commitAsync();
                    lastCommit = System.nanoTime();
                }
            }
        }
    }
}
