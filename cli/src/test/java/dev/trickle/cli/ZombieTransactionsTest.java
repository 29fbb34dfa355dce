package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction left open by a killed Connect worker's task holds back every read_committed reader of its topics
 * (the restarted worker's offsets topic first) until it times out; fencing aborts it at once, and only the group's.
 */
class ZombieTransactionsTest {
    private static final Duration START = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void namesOfTheGroupsTasksAndLeaderOnly() {
        assertTrue(ZombieTransactions.ofGroup("trickle-connect-trickle-source-0", "trickle-connect"));
        assertTrue(ZombieTransactions.ofGroup("connect-cluster-trickle-connect", "trickle-connect"));
        assertFalse(ZombieTransactions.ofGroup("trickle-streams-5e3e6eb8-1", "trickle-connect"));
        assertFalse(ZombieTransactions.ofGroup("connect-cluster-other", "trickle-connect"));
        assertFalse(ZombieTransactions.ofGroup("trickle-connect2-x-0", "trickle-connect"));
    }

    @Test
    void anOpenTransactionOfTheGroupIsAbortedAndReadersGoOn() throws Exception {
        try (KafkaBroker broker = KafkaBroker.builder(dir.resolve("kafka")).start(START)) {
            try (Admin admin = Admin.create(broker.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("offsets", 1, (short) 1))).all().get();
            }
            KafkaProducer<String, String> zombie = producer(broker, "g-source-0");
            KafkaProducer<String, String> other = producer(broker, "elsewhere-0");
            try {
                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>("offsets", "k", "left open by a killed task")).get();
                other.beginTransaction();
                other.send(new ProducerRecord<>("offsets", "k", "someone else's")).get();
                other.commitTransaction();
                assertEquals(0, readCommittedEnd(broker), "the open transaction holds read_committed readers back");

                assertEquals(List.of("g-source-0"), ZombieTransactions.fence(broker.bootstrapServers(), "g",
                        Duration.ofSeconds(30)));
                // the reader's last stable offset is past the aborted transaction: it reaches the end
                assertEquals(4, readCommittedEnd(broker), "two records, a commit and an abort marker, all readable");
                assertThrows(KafkaException.class, zombie::commitTransaction, "the zombie was fenced");
            } finally {
                zombie.close(Duration.ZERO);
                other.close(Duration.ZERO);
            }
        }
    }

    private static KafkaProducer<String, String> producer(KafkaBroker broker, String transactionalId) {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        producer.initTransactions();
        return producer;
    }

    private static long readCommittedEnd(KafkaBroker broker) {
        Properties p = broker.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition("offsets", 0);
            return consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }
}
