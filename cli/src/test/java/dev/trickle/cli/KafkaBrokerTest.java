package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {
    private static final Duration START = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void startsServesATopicSurvivesAKillAndLeavesNoProcess() throws Exception {
        long t0 = System.nanoTime();
        KafkaBroker broker = KafkaBroker.builder(dir.resolve("kafka")).start(START);
        System.out.println("broker started in " + Progress.elapsed(t0) + " at " + broker.bootstrapServers());
        try {
            try (Admin admin = Admin.create(broker.clientProperties())) {
                admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
                // the broker learns of the topic from its controller's metadata log, a moment after the create returns
                Deadline.in(Duration.ofSeconds(30)).await("topic t listed", () -> {
                    try {
                        return admin.listTopics().names().get().contains("t") ? Boolean.TRUE : null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            produce(broker, "k1", "v1");
            assertEquals(List.of("v1"), consume(broker, 1));

            long pid = broker.process().pid();
            ChildJvm controller = broker.controllerProcess().orElseThrow();
            long controllerPid = controller.pid();
            broker.kill();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            // a crash of the broker leaves its controller running (it lets the dead broker's session lapse meanwhile)
            assertTrue(controller.isAlive());
            assertFalse(broker.isRunning());
            long t1 = System.nanoTime();
            broker.restart(START);
            System.out.println("broker restarted in " + Progress.elapsed(t1));
            assertEquals(controllerPid, controller.pid());
            produce(broker, "k2", "v2");
            List<String> values = consume(broker, 2);
            assertTrue(values.containsAll(List.of("v1", "v2")), values.toString());

            // a crash of the controller alone: the broker goes on serving, and a restart starts only the controller
            long brokerPid = broker.process().pid();
            controller.kill();
            assertFalse(broker.isRunning());
            assertTrue(consume(broker, 2).containsAll(List.of("v1", "v2")));
            broker.restart(START);
            assertTrue(broker.isRunning());
            assertEquals(brokerPid, broker.process().pid());
            produce(broker, "k3", "v3");
            assertTrue(consume(broker, 3).contains("v3"));
        } finally {
            long t2 = System.nanoTime();
            broker.close();
            System.out.println("broker stopped in " + Progress.elapsed(t2));
        }
        assertFalse(broker.isRunning());
        assertTrue(ProcessChecks.liveJavaDescendants().isEmpty(), ProcessChecks.describe(ProcessChecks.liveJavaDescendants()));
    }

    private static void produce(KafkaBroker broker, String key, String value) throws Exception {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>("t", key, value)).get();
        }
    }

    private static List<String> consume(KafkaBroker broker, int expected) throws Exception {
        Properties p = broker.clientProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(Set.of("t"));
            Deadline.in(Duration.ofSeconds(60)).await(expected + " records", () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
                return values.size() >= expected ? Boolean.TRUE : null;
            });
        }
        return values;
    }
}
