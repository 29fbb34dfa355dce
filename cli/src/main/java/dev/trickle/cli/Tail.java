package dev.trickle.cli;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.MalformedRecordException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code trickle tail}: a stream table's changes as they happen, read from its delta topic and decoded as rows. */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Prints a stream table's changes as they happen: the records of its delta topic decoded as rows "
                + "with their sign (+ inserted, - deleted; +N/-N for N copies) and tick, and a line when a tick is "
                + "complete, until interrupted (Ctrl-C). It reads with the pipeline's own value converter (JSON with or "
                + "without schemas, Avro with a registry) and takes the columns from the catalog.",
                "With a local stack: trickle tail NAME --config <work dir>/streams-app.properties (broker, PostgreSQL, "
                        + "prefix and converter all come from it). Otherwise give --pg-url and --bootstrap, and "
                        + "--converter/--registry-url if the pipeline does not run on the shipped JSON."})
public final class Tail implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STREAM_TABLE", description = "The stream table, e.g. totals or public.totals")
    String streamTable;

    @Option(names = "--from-beginning", description = "Start at the oldest record the topic keeps, not at its end")
    boolean fromBeginning;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The streams app's properties (the local stack's <work dir>/streams-app.properties): its "
                    + "value.converter settings, and bootstrap.servers, trickle.pg.* and trickle.topic.prefix")
    Path config;

    @Option(names = "--pg-url", paramLabel = "URL", description = "The catalog's PostgreSQL (the ready line's pg=)")
    String url;

    @Option(names = "--pg-user", paramLabel = "USER", description = "PostgreSQL user (overrides the URL's)")
    String user;

    @Option(names = "--pg-password", paramLabel = "PASSWORD", description = "PostgreSQL password (overrides the URL's)")
    String password;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "The Kafka broker (the ready line's kafka=)")
    String bootstrap;

    @Option(names = "--prefix", description = "The topic prefix (topic.prefix; default: the --config's, else trickle)")
    String prefix;

    @Option(names = "--converter", paramLabel = "NAME", defaultValue = "json",
            description = "Without --config: the shipped converter the pipeline runs on, json or avro (default: ${DEFAULT-VALUE})")
    String converter;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Schema registry of --converter avro")
    String registryUrl;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "Where the converter templates are (default: config/)")
    Path configDir;

    @Option(names = "--max-ticks", paramLabel = "N", description = "Exit after N complete ticks (default: follow until Ctrl-C)")
    long maxTicks;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to wait for the broker (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean stopped;
    private final CountDownLatch done = new CountDownLatch(1);

    /** The stream table as the catalog has it: display name, schema, name, columns and their types. */
    record Target(String display, String schema, String name, List<String> columns, List<String> types) {
    }

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } finally {
            done.countDown();
        }
    }

    private int run() throws Exception {
        TailSettings settings = settings();
        PgUrl pg;
        try {
            pg = PgUrl.parse(settings.pgUrl(), settings.pgUser(), settings.pgPassword());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Target target;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password())) {
            target = find(c, streamTable);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the catalog at " + pg.display() + " (" + e.getMessage()
                    + "): is the stack running, and is --pg-url its pg= (or --config its streams-app.properties)?", e);
        }
        String topic = TopicNames.delta(settings.prefix(), target.schema(), target.name());
        TailDecoder decoder = new TailDecoder(settings.valueConverter(), target.columns(), target.types());
        Thread hook = new Thread(this::stop, "trickle-tail-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            follow(settings.bootstrap(), topic, target, decoder, pg);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
        }
        return 0;
    }

    /** Ends the command (Ctrl-C, or a caller): it stops reading, closes the consumer and returns. */
    public void stop() {
        stopped = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private TailSettings settings() {
        TailSettings s = config != null ? TailSettings.fromFile(config)
                : TailSettings.fromTemplates(configDir, converter, registryUrl);
        s = s.with(bootstrap, url, user, password, prefix);
        if (s.pgUrl() == null || s.bootstrap() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "tail needs the stack's PostgreSQL and broker: "
                    + "give --config <work dir>/streams-app.properties of the local stack, or --pg-url and --bootstrap "
                    + "(the pg= and kafka= of its ready line)");
        }
        return s;
    }

    /** The stream table named {@code name} (resolved as PostgreSQL resolves a table name), with its columns. */
    static Target find(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regnamespace('pgtrickle') IS NOT NULL")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new IllegalStateException("no Trickle catalog (schema pgtrickle) in this database: is it the "
                            + "stack's PostgreSQL? (install it with: trickle install --pg-url ...)");
                }
            }
        }
        String sql = """
                SELECT format('%I.%I', s.pgt_schema, s.pgt_name), s.pgt_schema, s.pgt_name,
                       ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = s.pgt_relid AND a.attnum > 0
                              AND NOT a.attisdropped ORDER BY a.attnum),
                       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = s.pgt_relid
                              AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
                  FROM pgtrickle.pgt_stream_tables s
                 WHERE s.pgt_relid = to_regclass(?)""";
        Target t = null;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    t = new Target(rs.getString(1), rs.getString(2), rs.getString(3),
                            List.of((String[]) rs.getArray(4).getArray()), List.of((String[]) rs.getArray(5).getArray()));
                }
            }
        } catch (SQLException e) {
            // to_regclass refuses the text itself (a.b.c.d, a cross-database name): no such stream table either
            if (!List.of("42601", "42602", "0A000").contains(e.getSQLState())) {
                throw e;
            }
        }
        if (t == null) {
            throw new IllegalArgumentException("no stream table " + name + " in the catalog (SELECT name FROM "
                    + "pgtrickle.pgt_status() lists them; a name is resolved as in SQL: schema.name, or through the "
                    + "search path, and \"Quoted\" for mixed case)");
        }
        return t;
    }

    private void follow(String servers, String topic, Target target, TailDecoder decoder, PgUrl pg) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig(servers));
             FillWatch fill = new FillWatch(pg, target.display())) {
            consumer = c;
            if (stopped) {
                return;
            }
            List<TopicPartition> partitions = partitions(c, servers, topic);
            c.assign(partitions);
            if (fromBeginning) {
                c.seekToBeginning(partitions);
            } else {
                c.seekToEnd(partitions);
            }
            partitions.forEach(c::position); // resolve the start now, so that what follows the next line is shown
            err.println("following " + target.display() + " (topic " + topic + ", " + partitions.size() + " partition(s)) "
                    + (fromBeginning ? "from the beginning" : "from now on") + "; press Ctrl-C to stop");
            err.flush();
            TailPrinter printer = new TailPrinter(target.columns());
            while (!stopped && (maxTicks <= 0 || printer.ticksDone() < maxTicks)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    print(out, err, printer, decoder, r);
                    if (maxTicks > 0 && printer.ticksDone() >= maxTicks) {
                        break;
                    }
                }
                out.flush();
                String progress = fill.poll(); // while the stream table is being filled
                if (progress != null) {
                    err.println(progress);
                    err.flush();
                }
            }
        } catch (WakeupException e) {
            // stop(): Ctrl-C or the caller
        } finally {
            consumer = null;
            out.flush();
        }
    }

    private static void print(PrintWriter out, PrintWriter err, TailPrinter printer, TailDecoder decoder,
                              ConsumerRecord<byte[], byte[]> r) {
        try {
            printer.lines(r.partition(), decoder.decode(r.topic(), r.value())).forEach(out::println);
        } catch (MalformedRecordException e) {
            err.println("partition " + r.partition() + " offset " + r.offset() + ": cannot read the record: "
                    + e.getMessage());
            err.flush();
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String servers, String topic) {
        List<PartitionInfo> infos;
        try {
            infos = c.partitionsFor(topic, Duration.ofSeconds(timeoutSeconds));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("could not reach the Kafka broker at " + servers + " within " + timeoutSeconds
                    + " s: is the stack running, and is --bootstrap its kafka= address?", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("the broker at " + servers + " has no topic " + topic + ": the streams app "
                    + "creates it when it starts the stream table (is it running? is --prefix the pipeline's topic.prefix?)");
        }
        List<TopicPartition> out = new ArrayList<>();
        infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        out.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return out;
    }

    private Properties consumerConfig(String servers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        // the connectors and the streams app write in transactions: an aborted attempt's records are in the log too
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // looking for a topic must never create it: the streams app creates it, with its own partition count
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutSeconds * 1000));
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeoutSeconds, 5) * 1000));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "trickle-tail");
        return p;
    }
}
