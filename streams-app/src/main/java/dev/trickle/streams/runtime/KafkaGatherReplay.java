package dev.trickle.streams.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Reads a gather topic again with a consumer of its own: assigned (no group, nothing committed), read_committed
 * (so that it sees what the task saw: the records of committed transactions), with the connection settings of the
 * app's consumers (the Kafka Streams settings a consumer knows, then those prefixed {@code consumer.}).
 */
final class KafkaGatherReplay implements GatherReplay {
    /** Time to make progress before giving up: the stream thread is then replaced and the task tries again. */
    private static final Duration STALL = Duration.ofSeconds(60);
    private final Map<String, Object> consumer = new HashMap<>();

    KafkaGatherReplay(Map<String, Object> appConfigs) {
        appConfigs.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)) {
                consumer.put(k, v);
            }
        });
        appConfigs.forEach((k, v) -> {
            if (k.startsWith(StreamsConfig.CONSUMER_PREFIX)
                    && ConsumerConfig.configNames().contains(k.substring(StreamsConfig.CONSUMER_PREFIX.length()))) {
                consumer.put(k.substring(StreamsConfig.CONSUMER_PREFIX.length()), v);
            }
        });
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-gather-replay");
    }

    @Override
    public boolean read(String topic, long from, long upTo, Records records) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumer, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(partition));
            if (c.beginningOffsets(List.of(partition), STALL).get(partition) > from) {
                return false;
            }
            c.seek(partition, from);
            long stalledSince = System.nanoTime();
            long position = from;
            while (position < upTo) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200)).records(partition)) {
                    if (r.offset() < upTo) {
                        records.accept(r.offset(), r.key(), r.value());
                    }
                }
                long next = c.position(partition, STALL);
                if (next > position) {
                    position = next;
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > STALL.toNanos()) {
                    throw new IllegalStateException("reading gather topic " + topic + " again stalled at offset "
                            + position + " (up to " + upTo + ") for " + STALL.toSeconds() + " s");
                }
            }
            return true;
        }
    }
}
