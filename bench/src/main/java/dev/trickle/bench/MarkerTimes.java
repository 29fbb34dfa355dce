package dev.trickle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * When each topic's end marker of one tick reached the broker: on a change topic, when the source connector
 * had written the tick; on a delta topic, when the streams app had computed it. With the tick row's time and
 * the sink's commit time these split a tick's latency by stage. The records' own timestamps are the tick's
 * time (the source connector sets it and Kafka Streams passes it on), so {@link #useAppendTime} first makes
 * the broker stamp records with their append time.
 */
final class MarkerTimes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MarkerTimes() {
    }

    /**
     * Per topic, the latest timestamp of an end marker of {@code tick} (absent if none was found), reading
     * committed records from {@code fromMillis} on, up to the end offsets as they are now.
     */
    static Map<String, Long> of(String bootstrapServers, List<String> topics, long tick, long fromMillis) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Map<String, Long> out = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, fromMillis));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, Duration.ofSeconds(10));
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            List<TopicPartition> open = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp start = starts.get(tp);
                if (start != null && start.offset() < ends.get(tp)) {
                    consumer.seek(tp, start.offset());
                    open.add(tp);
                }
            }
            List<TopicPartition> done = new ArrayList<>(partitions);
            done.removeAll(open);
            consumer.pause(done);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (isEndOf(r.value(), tick)) {
                        out.merge(r.topic(), r.timestamp(), Math::max);
                    }
                }
                List<TopicPartition> finished = open.stream().filter(tp -> consumer.position(tp) >= ends.get(tp)).toList();
                open.removeAll(finished);
                consumer.pause(finished);
            }
        }
        return out;
    }

    /** Sets {@code message.timestamp.type=LogAppendTime} on the topics (a benchmark-only change of the topics). */
    static void useAppendTime(String bootstrapServers, List<String> topics) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
            for (String topic : topics) {
                ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                        new ConfigEntry("message.timestamp.type", "LogAppendTime"), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(ops).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static boolean isEndOf(String value, long tick) {
        if (value == null || !value.contains("\"end\"")) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(value);
            return "end".equals(n.path("k").asText()) && n.path("tick").asLong() == tick;
        } catch (IOException e) {
            return false;
        }
    }
}
