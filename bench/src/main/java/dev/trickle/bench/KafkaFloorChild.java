package dev.trickle.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One client process of the Kafka floor benchmark ({@link KafkaFloorMain}): {@code source}, {@code streams} or
 * {@code sink}, each in a JVM of its own so that its CPU time is read per process as the stack's are. Also what the
 * three share: the topics, the records (byte arrays of the measured sizes; a tick-end marker is a value starting
 * with 1 and carrying the tick), the clients' settings, and the files by which the processes and the coordinator
 * signal each other in the run's directory.
 */
public final class KafkaFloorChild {
    static final String ORDERS = "kfloor.changes.public.orders";
    static final String CUSTOMERS = "kfloor.changes.public.customers";
    static final String GATHER = "kfloor.gather.st-1";
    static final String STATE_LOG = "kfloor-streams-st-1-state-changelog";
    static final String META_LOG = "kfloor-streams-st-1-meta-changelog";
    static final String PAID = "kfloor.delta.public.tp_paid";
    static final String REVENUE = "kfloor.delta.public.tp_revenue";
    static final String OFFSETS = "kfloor-connect-offsets";
    /** Partitions of each topic, as the local stack makes them (change topics 2, delta topics 1, Connect offsets 5). */
    static final Map<String, Integer> PARTITIONS = Map.of(ORDERS, 2, CUSTOMERS, 2, GATHER, 1, STATE_LOG, 1, META_LOG, 1,
            PAID, 1, REVENUE, 1, OFFSETS, 5);
    /** Compacted, as Kafka Streams' changelogs and Connect's offsets topic are. */
    static final List<String> COMPACTED = List.of(STATE_LOG, META_LOG, OFFSETS);
    /** The coordinator's files: the sink has seen the warm-up's last tick; the source may go on; the run is done. */
    static final String WARM = "warm";
    static final String GO = "go";
    static final String DONE = "done";
    private static final int POOL = 1 << 16;

    private final byte[] pool = new byte[POOL];
    private final SplittableRandom random = new SplittableRandom(42);

    private KafkaFloorChild() {
        // record-like text, not random bytes: with compression.type set, what a record compresses to depends on it
        // (the change and delta records are JSON of this shape; the gather and changelog records binary, about as
        // repetitive)
        StringBuilder text = new StringBuilder();
        while (text.length() < POOL) {
            text.append(String.format(java.util.Locale.ROOT, "{\"id\":%d,\"customer_id\":%d,\"amount\":\"%d.%02d\","
                    + "\"status\":\"%s\",\"created_at\":%d,\"__op\":\"%s\",\"__tick\":%d}", 200_000 + random.nextInt(800_000),
                    1 + random.nextInt(10_000), random.nextInt(100), random.nextInt(100), random.nextBoolean() ? "new" : "paid",
                    1_796_000_000_000_000L + random.nextLong(1_000_000_000_000L), random.nextBoolean() ? "+" : "-",
                    random.nextInt(100_000)));
        }
        System.arraycopy(text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, pool, 0, POOL);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: KafkaFloorChild source|streams|sink BOOTSTRAP RUN_DIR");
        }
        KafkaFloorConfig cfg = KafkaFloorConfig.fromSystemProperties();
        Path runDir = Path.of(args[2]);
        switch (args[0]) {
            case "source" -> new FloorSource(cfg, args[1], runDir).run();
            case "streams" -> new FloorStreams(cfg, args[1], runDir).run();
            case "sink" -> new FloorSink(cfg, args[1], runDir).run();
            default -> throw new IllegalArgumentException("unknown role " + args[0] + ": use source, streams or sink");
        }
    }

    /** A new array of {@code size} bytes (the clients copy every record's bytes, as the real processes' serializers do). */
    static byte[] bytes(int size) {
        return Holder.INSTANCE.next(size);
    }

    private byte[] next(int size) {
        byte[] b = new byte[size];
        int from = random.nextInt(POOL - size);
        System.arraycopy(pool, from, b, 0, size);
        if (size > 0) {
            b[0] = 0;
        }
        return b;
    }

    private static final class Holder {
        static final KafkaFloorChild INSTANCE = new KafkaFloorChild();
    }

    /** A tick-end marker: 1, the tick, the partition it ends. */
    static byte[] marker(long tick, int partition) {
        return ByteBuffer.allocate(13).put((byte) 1).putLong(tick).putInt(partition).array();
    }

    static boolean isMarker(byte[] value) {
        return value != null && value.length == 13 && value[0] == 1;
    }

    static long markerTick(byte[] value) {
        return ByteBuffer.wrap(value, 1, 8).getLong();
    }

    static int markerPartition(byte[] value) {
        return ByteBuffer.wrap(value, 9, 4).getInt();
    }

    /** Producer settings: byte arrays, idempotent, acks=all, transactional with {@code id}, then the role's overrides. */
    static Properties producer(String bootstrap, String id, Map<String, String> base, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.putAll(base);
        overrides.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }

    /** Consumer settings: byte arrays, read_committed, no auto commit, then the role's overrides. */
    static Properties consumer(String bootstrap, String group, Map<String, String> base, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(base);
        overrides.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }

    /** Writes {@code content} to {@code dir/name} at once (a reader never sees half of it). */
    static void signal(Path dir, String name, String content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
