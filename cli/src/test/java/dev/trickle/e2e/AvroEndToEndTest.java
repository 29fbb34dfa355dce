package dev.trickle.e2e;

import static dev.trickle.e2e.E2eSupport.DEADLINE_MS;
import static dev.trickle.e2e.E2eSupport.assertMatches;
import static dev.trickle.e2e.E2eSupport.awaitActive;
import static dev.trickle.e2e.E2eSupport.awaitCaughtUp;
import static dev.trickle.e2e.E2eSupport.commitTogether;
import static dev.trickle.e2e.E2eSupport.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.avro.RegistryClient;
import dev.trickle.avro.RegistryStandIn;
import dev.trickle.cli.LocalStack;
import dev.trickle.cli.Main;
import io.apicurio.registry.utils.converter.AvroConverter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * The whole pipeline on Avro ({@code trickle local --converter avro}): the source connector, the streams app and
 * the sink read and write the change and delta topics through Apicurio's AvroConverter in Confluent wire format,
 * against the in-test registry stand-in. A stream table with numeric, timestamps, text and NULLs and a grouped
 * one follow random DML and equal their queries; the topics' records are Confluent-framed Avro whose ids the
 * registry serves and whose values decode to the record format's envelopes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AvroEndToEndTest {
    private static final String ROWS = "public.av_rows";
    private static final String ROWS_Q = "SELECT id, amount, ratio, placed, placed_tz, day, note, \"1st col\" "
            + "FROM av_orders WHERE amount IS NULL OR amount > 5";
    private static final String TOTALS = "public.av_totals";
    private static final String TOTALS_Q = "SELECT note, count(*) AS n, sum(amount) AS total, sum(ratio) AS ratios "
            + "FROM av_orders GROUP BY note";
    private static final String[] NOTES = {"'north'", "'south'", "'o''hara'", "NULL", "'ünï'"};

    private static String registryUrl;
    private static RegistryClient registry;
    private static final Map<Integer, String> schemasById = new HashMap<>();
    private static LocalStack avroStack;
    private RegistryStandIn standIn;
    private final Random random = new Random(20261206);
    private int nextId = 1;

    /** The registry the stack runs against: the in-test stand-in here, a real one in a subclass. */
    String startRegistry() throws Exception {
        standIn = RegistryStandIn.start();
        return standIn.url();
    }

    void stopRegistry() {
        if (standIn != null) {
            standIn.close();
        }
    }

    /**
     * Its own stack on Avro, not the shared JSON one (so this class uses E2eSupport's helpers without extending it,
     * whose @BeforeAll would start that one too); E2eSupport's helpers work on whichever stack is {@code stack}.
     */
    @BeforeAll
    void stackUp() throws Exception {
        registryUrl = startRegistry();
        registry = new RegistryClient(registryUrl);
        schemasById.clear();
        avroStack = LocalStack.builder()
                .converter("avro")
                .registryUrl(registryUrl)
                .sourceConfig("tick.interval.ms", "200")
                .timeout(Duration.ofSeconds(180))
                .progress(System.err)
                .start();
        E2eSupport.stack = avroStack;
    }

    @AfterAll
    void stackDown() {
        if (avroStack != null) {
            avroStack.close();
        }
        stopRegistry();
    }

    @Test
    void thePipelineRunsOnAvroAndEveryStreamTableEqualsItsQuery() throws Exception {
        exec("CREATE TABLE av_orders (id int PRIMARY KEY, amount numeric(12,2), ratio numeric, placed timestamp, "
                + "placed_tz timestamptz, day date, note text, \"1st col\" int)", insert(40));
        exec("SELECT pgtrickle.create_stream_table('" + ROWS + "', '" + ROWS_Q.replace("'", "''") + "')",
             "SELECT pgtrickle.create_stream_table('" + TOTALS + "', '" + TOTALS_Q.replace("'", "''") + "')");
        awaitActive(ROWS, TOTALS);
        assertBothMatch();
        for (int round = 1; round <= 6; round++) {
            commitTogether(List.of(insert(10 + random.nextInt(20)),
                    "UPDATE av_orders SET amount = amount + 1.25, ratio = ratio * 3 WHERE id % 5 = " + random.nextInt(5),
                    "UPDATE av_orders SET note = NULL, placed = NULL WHERE id % 7 = " + random.nextInt(7),
                    "UPDATE av_orders SET note = " + NOTES[random.nextInt(NOTES.length)] + " WHERE id % 6 = "
                            + random.nextInt(6),
                    "DELETE FROM av_orders WHERE id % 11 = " + random.nextInt(11)));
            awaitCaughtUp(ROWS, TOTALS);
            assertBothMatch();
        }
        assertConfluentFramedAvro("trickle.changes.public.av_orders");
        assertConfluentFramedAvro("trickle.delta.public.av_rows");
        assertConfluentFramedAvro("trickle.delta.public.av_totals");
        assertRowsKeyedBy("trickle.delta.public.av_totals", "note");
        assertTailReadsTheFill();
    }

    /** trickle tail decodes the Avro delta topic: from the stack's own properties, and from the shipped avro templates. */
    private static void assertTailReadsTheFill() {
        for (List<String> how : List.of(List.of("--config", avroStack.streamsProperties().toString()),
                List.of("--converter", "avro", "--registry-url", registryUrl, "--pg-url", avroStack.pgUrl(),
                        "--bootstrap", avroStack.bootstrapServers()))) {
            List<String> args = new ArrayList<>(List.of("tail", TOTALS, "--from-beginning", "--max-ticks", "1"));
            args.addAll(how);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            assertEquals(0, cl.execute(args.toArray(String[]::new)), "trickle " + args + ": " + err);
            List<String> lines = out.toString().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("tick \\d+ \\+ \\(note=.*, n=\\d+, total=.*, ratios=.*\\)")),
                    out.toString());
            assertTrue(lines.get(lines.size() - 1).matches("tick \\d+ done \\(fill\\): \\+\\d+ rows?"), out.toString());
        }
    }

    private static void assertBothMatch() throws SQLException {
        assertMatches(ROWS, "*", ROWS_Q);
        assertMatches(TOTALS, "*", TOTALS_Q);
    }

    private String insert(int count) {
        StringBuilder sql = new StringBuilder("INSERT INTO av_orders VALUES ");
        for (int i = 0; i < count; i++) {
            int id = nextId++;
            sql.append(i > 0 ? ", " : "").append('(').append(id).append(", ")
                    .append(maybeNull(random.nextInt(100000) / 100.0 + "")).append(", ")
                    .append(maybeNull(random.nextInt(2000) - 1000 + "." + random.nextInt(1_000_000))).append(", ")
                    .append(maybeNull("'2026-12-06 10:00:00'::timestamp + interval '" + random.nextInt(10_000_000)
                            + " microseconds' * " + random.nextInt(100_000))).append(", ")
                    .append(maybeNull("'2026-12-06 10:00:00.123456+02'::timestamptz - interval '"
                            + random.nextInt(1_000_000) + " seconds'")).append(", ")
                    .append(maybeNull("date '2026-01-01' + " + (random.nextInt(40_000) - 20_000))).append(", ")
                    .append(NOTES[random.nextInt(NOTES.length)]).append(", ")
                    .append(maybeNull(Integer.toString(random.nextInt(1000)))).append(')');
        }
        return sql.toString();
    }

    private String maybeNull(String value) {
        return random.nextInt(8) == 0 ? "NULL" : value;
    }

    /**
     * Every record of the topic: a value that is the Confluent magic byte and a schema id the registry serves, and
     * that Apicurio's converter decodes to an envelope; a key, where there is one, framed the same way.
     */
    private static void assertConfluentFramedAvro(String topic) {
        AvroConverter<?> values = converter(false);
        AvroConverter<?> keys = converter(true);
        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic);
        assertFalse(records.isEmpty(), topic + " has records");
        int rows = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertFramed(topic, r.value());
            Struct envelope = (Struct) values.toConnectData(topic, r.value()).value();
            assertTrue(Set.of("row", "init", "end").contains(envelope.getString("kind")), envelope.toString());
            assertNotNull(envelope.getInt64("tick"));
            if (envelope.getString("kind").equals("row")) {
                rows++;
                assertNotNull(envelope.getStruct("row"), envelope.toString());
            }
            if (r.key() != null) {
                assertFramed(topic, r.key());
                assertNotNull(keys.toConnectData(topic, r.key()).value());
            }
        }
        assertTrue(rows > 0, topic + " has row records");
    }

    /**
     * A grouped stream table's delta topic is keyed by its GROUP BY column, so that a consumer can follow it by
     * key: every row record has a key whose one field is the row's value of that column (NULL group included).
     */
    private static void assertRowsKeyedBy(String topic, String column) {
        AvroConverter<?> values = converter(false);
        AvroConverter<?> keys = converter(true);
        int rows = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            Struct envelope = (Struct) values.toConnectData(topic, r.value()).value();
            if (!envelope.getString("kind").equals("row")) {
                continue;
            }
            rows++;
            assertNotNull(r.key(), topic + ": a row record without a key: " + envelope);
            Struct key = (Struct) keys.toConnectData(topic, r.key()).value();
            assertEquals(1, key.schema().fields().size(), topic + ": the key has the GROUP BY column only: " + key);
            assertEquals(envelope.getStruct("row").get(column), key.get(key.schema().fields().get(0)),
                    topic + ": the key is the row's " + column + ": " + envelope);
        }
        assertTrue(rows > 0, topic + " has row records");
    }

    /**
     * Each distinct id is asked of the registry once (one client): a client and a request per record left hundreds
     * of HTTP selector threads behind and took minutes; the registry's answer for an id does not change.
     */
    private static void assertFramed(String topic, byte[] bytes) {
        assertEquals(0, bytes[0], topic + ": Confluent magic byte");
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        String schema = schemasById.computeIfAbsent(id, i -> registry.content(i));
        assertTrue(schema.startsWith("{"), topic + ": schema id " + id + " is in the registry");
    }

    private static AvroConverter<?> converter(boolean isKey) {
        Map<String, Object> cfg = new HashMap<>(RegistryClient.shippedConverterConfig(registryUrl));
        AvroConverter<?> c = new AvroConverter<>();
        c.configure(cfg, isKey);
        return c;
    }

    /** The topic's committed records, from the beginning to the end offsets at the time of the call. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, avroStack.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.currentTimeMillis() + DEADLINE_MS;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("timed out reading " + topic + " to its end offsets " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
