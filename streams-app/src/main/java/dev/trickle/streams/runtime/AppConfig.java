package dev.trickle.streams.runtime;

import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.parallel.ParallelMode;
import dev.trickle.core.pg.PgConnectionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams app's own settings ({@code trickle.*} and the parallel refresh settings, named as in the
 * connectors); every other property of the file goes to Kafka Streams unchanged (application.id,
 * bootstrap.servers, processing.guarantee, ...), except that num.stream.threads follows
 * parallel.refresh.mode unless it is set.
 */
public final class AppConfig extends AbstractConfig {
    private static final Logger LOG = LoggerFactory.getLogger(AppConfig.class);

    /** The streams app's pg.* settings are the connectors' with this prefix. */
    static final String PG_PREFIX = "trickle.";
    public static final String PG_URL = PG_PREFIX + PgConnectionConfig.URL;
    public static final String PG_USER = PG_PREFIX + PgConnectionConfig.USER;
    public static final String PG_PASSWORD = PG_PREFIX + PgConnectionConfig.PASSWORD;
    public static final String TOPIC_PREFIX = "trickle.topic.prefix";
    public static final String TOPIC_PARTITIONS = "trickle.topic.partitions";
    public static final String DELTA_PARTITIONS = "trickle.delta.partitions";
    public static final String REPLICATION_FACTOR = "trickle.replication.factor";
    public static final String CATALOG_POLL_MS = "trickle.catalog.poll.ms";
    public static final String PARALLEL_MODE = ParallelMode.KEY;
    public static final String MAX_WORKERS = ParallelMode.MAX_WORKERS_KEY;
    public static final String MAX_CONCURRENT = ParallelMode.MAX_CONCURRENT_KEY;
    /** The topics' converters, named and configured as a Connect worker's (key.converter.*, value.converter.*). */
    public static final String KEY_CONVERTER = "key.converter";
    public static final String VALUE_CONVERTER = "value.converter";
    /** Keys of the app that do not start with trickle. (shared with the connectors). */
    static final Set<String> OWN_KEYS = Set.of(PARALLEL_MODE, MAX_WORKERS, MAX_CONCURRENT, DecimalHandling.CONFIG);

    public static final ConfigDef CONFIG = PgConnectionConfig.define(new ConfigDef(), PG_PREFIX, "Connection",
                    "It needs to read the sources and the pgtrickle catalog (to plan the defining queries), and to "
                            + "update the catalog's stream table rows (status and errors).")
            .define(TOPIC_PREFIX, Type.STRING, "trickle", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Prefix of the change and delta topics; must match the connectors' topic.prefix.",
                    "Topics", 1, ConfigDef.Width.SHORT, "Topic prefix")
            .define(TOPIC_PARTITIONS, Type.INT, 4, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of the change topics (the source connector's topic.partitions).",
                    "Topics", 2, ConfigDef.Width.SHORT, "Change topic partitions")
            .define(DELTA_PARTITIONS, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of each delta topic this app creates.",
                    "Topics", 3, ConfigDef.Width.SHORT, "Delta topic partitions")
            .define(REPLICATION_FACTOR, Type.SHORT, (short) 1, ConfigDef.Range.atLeast(1), Importance.LOW,
                    "Replication factor of the delta topics this app creates.",
                    "Topics", 4, ConfigDef.Width.SHORT, "Replication factor")
            .define(CATALOG_POLL_MS, Type.LONG, 1000L, ConfigDef.Range.atLeast(50), Importance.LOW,
                    "How often the app looks for created and dropped stream tables.",
                    "Engine", 1, ConfigDef.Width.SHORT, "Catalog poll interval")
            .define(PARALLEL_MODE, Type.STRING, "off", ConfigDef.ValidString.in(ParallelMode.NAMES), Importance.MEDIUM,
                    "Parallel refresh (pg_trickle's parallel_refresh_mode). off: one stream thread does all the work; "
                            + "dry_run: the same, and the plan 'on' would run (execution units in dependency order) is logged "
                            + "whenever the set of stream tables changes; on: max.dynamic.refresh.workers stream threads "
                            + "process the stream tables' tasks at the same time. An explicit num.stream.threads wins.",
                    "Parallel refresh", 1, ConfigDef.Width.SHORT, "Parallel refresh mode")
            .define(MAX_WORKERS, Type.INT, ParallelMode.DEFAULT_MAX_WORKERS, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    "Worker budget across all stream tables (pg_trickle's max_dynamic_refresh_workers): with "
                            + "parallel.refresh.mode=on, the number of stream threads of this instance.",
                    "Parallel refresh", 2, ConfigDef.Width.SHORT, "Refresh workers")
            .define(MAX_CONCURRENT, Type.INT, ParallelMode.DEFAULT_MAX_CONCURRENT,
                    ConfigDef.Range.between(1, ParallelMode.MAX_CONCURRENT_LIMIT), Importance.LOW,
                    "Cap of refreshes applied to the database at once (pg_trickle's max_concurrent_refreshes). The sink "
                            + "connector enforces it; the streams app only reports it in pgtrickle.worker_pool_status().",
                    "Parallel refresh", 3, ConfigDef.Width.SHORT, "Concurrent refreshes")
            .define(KEY_CONVERTER, Type.CLASS, JsonConverter.class, Importance.MEDIUM,
                    "Converter of the change and delta topics' record keys: the same class as the Connect worker's "
                            + "key.converter, with the same settings given as key.converter.* (e.g. "
                            + "key.converter.schemas.enable=true), so that the whole pipeline uses one format.",
                    "Topics", 5, ConfigDef.Width.LONG, "Key converter")
            .define(VALUE_CONVERTER, Type.CLASS, JsonConverter.class, Importance.MEDIUM,
                    "Converter of the change and delta topics' record values: the same class as the Connect worker's "
                            + "value.converter, with the same settings given as value.converter.*. Records are read by "
                            + "the columns' types in the catalog, so they need no schema: config/ ships JsonConverter "
                            + "with schemas.enable=false and decimal.handling.mode=string (unset, schemas.enable is "
                            + "JsonConverter's default, true, as a worker reads it).",
                    "Topics", 6, ConfigDef.Width.LONG, "Value converter");

    static {
        DecimalHandling.define(CONFIG, "Topics", 7);
    }

    /** File in state.dir that keeps this instance's id (for group.instance.id) across restarts. */
    static final String INSTANCE_ID_FILE = "trickle-instance.id";
    static final int LONG_TICK_TRANSACTION_TIMEOUT_MS = 300_000;
    static final int LONG_TICK_POLL_INTERVAL_MS = 900_000;
    /** The producer's batch.size unless the file sets it (see throughputDefaults). */
    static final int PRODUCER_BATCH_BYTES = 1024 * 1024;
    /** The producer's linger.ms unless the file sets it (see throughputDefaults). */
    static final int PRODUCER_LINGER_MS = 200;
    /** The backstop of the commits requested at tick ends ({@link TickCommits}). */
    static final int COMMIT_INTERVAL_MS = 5000;
    /** The changelogs' segment.ms and delete.retention.ms unless the file sets them (see changelogDefaults). */
    static final long CHANGELOG_SEGMENT_MS = 60_000;
    static final long CHANGELOG_DELETE_RETENTION_MS = 300_000;

    private final Properties streamsProperties = new Properties();

    public AppConfig(Properties all) {
        super(CONFIG, trickleOnly(all), false);
        PgConnectionConfig.logValues(this); // Kafka's own log of the values would show a password in trickle.pg.url
        all.forEach((k, v) -> {
            if (!isOwnKey(k.toString())) {
                streamsProperties.put(k, v);
            }
        });
        Object schemas = all.get(VALUE_CONVERTER + ".schemas.enable");
        DecimalHandling.checkConverter(decimalHandling(), getClass(VALUE_CONVERTER).getName(),
                schemas == null ? null : schemas.toString());
        chooseStreamThreads();
        allowLongTicks();
        throughputDefaults();
        staticMembership();
        changelogDefaults();
        for (String required : new String[] {StreamsConfig.APPLICATION_ID_CONFIG, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG}) {
            if (!streamsProperties.containsKey(required)) {
                throw new ConfigException(required, null, "is required: Kafka Streams needs it");
            }
        }
    }

    public static AppConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return new AppConfig(p);
    }

    private static boolean isOwnKey(String key) {
        return key.startsWith("trickle.") || OWN_KEYS.contains(key) || key.startsWith(KEY_CONVERTER)
                || key.startsWith(VALUE_CONVERTER);
    }

    /** The change and delta topics' serdes: the converters configured as a Connect worker configures them. */
    public TopicCodecs topicCodecs() {
        return new TopicCodecs(converter(KEY_CONVERTER, true), converter(VALUE_CONVERTER, false), decimalHandling());
    }

    /** How numeric columns travel in the delta records this app writes (decimal.handling.mode). */
    public DecimalHandling decimalHandling() {
        return DecimalHandling.of(getString(DecimalHandling.CONFIG));
    }

    private Converter converter(String key, boolean isKey) {
        Converter c = Utils.newInstance(getClass(key), Converter.class);
        c.configure(originalsWithPrefix(key + "."), isKey);
        return c;
    }

    /**
     * num.stream.threads from parallel.refresh.mode: one thread for off and dry_run, the worker budget for on;
     * a num.stream.threads in the file wins, and the log says which wins.
     */
    private void chooseStreamThreads() {
        int wanted = parallelMode() == ParallelMode.ON ? maxWorkers() : 1;
        Object explicit = streamsProperties.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
        if (explicit == null) {
            streamsProperties.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(wanted));
        } else {
            LOG.info("num.stream.threads={} is set explicitly and wins over {}={} (which alone would run {} stream "
                    + "thread(s))", explicit, PARALLEL_MODE, parallelMode().configName(), wanted);
        }
    }

    /**
     * A tick's whole delta runs through the operators in one step when its last end marker arrives: for an initial
     * fill of a large join that can take minutes, all inside one exactly-once transaction and one poll interval.
     * Kafka Streams' defaults (a 10 s transaction timeout under exactly-once, 5 min between polls) would fence the
     * producer or drop the thread from the group in the middle of it, and the retry would do the same again. Both
     * are raised unless the file sets them. The transaction timeout must stay within the broker's
     * transaction.max.timeout.ms (15 min by default), and it is also how long a transaction left open by an instance
     * that died, and was not restarted with the same state directory, holds back read_committed consumers.
     */
    private void allowLongTicks() {
        setUnlessSet(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(LONG_TICK_TRANSACTION_TIMEOUT_MS));
        setUnlessSet(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Integer.toString(LONG_TICK_POLL_INTERVAL_MS));
    }

    /**
     * Per-record costs measured under load (docs/benchmarks.md, Throughput, session 6), each unless the file sets it.
     * max.task.idle.ms=-1: a task reading several topics (a join's change topics) otherwise checks, for every record,
     * whether its empty partitions might still get earlier records, and formats a trace message doing so; the
     * processors align sources by tick end markers, never by record timestamps, so waiting buys nothing.
     * producer batch.size and linger.ms: with the default 16 kB a batch holds a handful of records, and the broker
     * spends its time on produce requests; under exactly-once a record is visible only once the transaction commits
     * (at a tick's end, see {@link TickCommits}), and the commit flushes the producer, so larger batches and a linger
     * add no latency. compression.type=lz4: cheaper for the producer than the bytes it saves the broker and every
     * reader (the Kafka floor, docs/benchmarks.md, session 11). commit.interval.ms=5000: tasks request a commit at
     * each tick's end, so the timer is only a backstop; Kafka Streams' 100 ms under exactly-once would add ten
     * transactions a second that make nothing visible sooner.
     */
    private void throughputDefaults() {
        setUnlessSet(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_CONFIG,
                Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        setUnlessSet(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), ProducerConfig.BATCH_SIZE_CONFIG,
                Integer.toString(PRODUCER_BATCH_BYTES));
        setUnlessSet(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), ProducerConfig.LINGER_MS_CONFIG,
                Integer.toString(PRODUCER_LINGER_MS));
        setUnlessSet(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        setUnlessSet(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                Integer.toString(COMMIT_INTERVAL_MS));
    }

    /**
     * Static group membership (DESIGN.md, Recovery). An instance that comes back after a crash under the same
     * group.instance.id takes its tasks back at once; under a new member id it would wait until the coordinator
     * dropped the dead member (the consumer session timeout) and then rebalance. Unless the file sets an id, this
     * instance's id is the application id plus a UUID kept in its state directory: the same instance (same
     * state.dir) keeps it across restarts, and two instances never share it, since they never share a state
     * directory. Without state.dir in the file (Kafka Streams' default lies in the temporary directory, which need
     * not survive a reboot) the membership stays dynamic. Kafka Streams adds each stream thread's index to the id.
     */
    private void staticMembership() {
        String key = ConsumerConfig.GROUP_INSTANCE_ID_CONFIG;
        if (streamsProperties.containsKey(key) || streamsProperties.containsKey(StreamsConfig.consumerPrefix(key))
                || streamsProperties.containsKey(StreamsConfig.mainConsumerPrefix(key))) {
            return;
        }
        Object stateDir = streamsProperties.get(StreamsConfig.STATE_DIR_CONFIG);
        Object appId = streamsProperties.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (stateDir == null || appId == null) {
            return;
        }
        Path file = Path.of(stateDir.toString().trim()).resolve(INSTANCE_ID_FILE);
        try {
            streamsProperties.put(key, appId.toString().trim() + "-" + InstanceId.readOrCreate(file));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not keep this instance's id in {} ({}): the instance joins its consumer group as a new member "
                    + "at every start, and a restart after a crash waits for the session timeout; set group.instance.id "
                    + "to a name unique to this instance to avoid that", file, e.toString());
        }
    }

    /**
     * The state stores' changelogs are what a restarted exactly-once instance reads back in full (a kill leaves no
     * checkpoint), so their length is restore time (docs/consistency.md, Recovery after a crash). A tick buffer writes
     * every row of every tick under a key of its own and deletes it when the tick runs: compaction leaves only the
     * deletes' tombstones, but it never touches a log's active segment, which rolls only at the broker's
     * log.segment.bytes (64 MB on the local stack, 1 GB by default) and its tombstones stay for delete.retention.ms
     * (a day by default), so each changelog grew with everything the stream table ever buffered. Here segments roll
     * every minute and tombstones go after 5 minutes; a reader that starts from the beginning needs to finish within
     * that time to see every delete (Kafka's bound for delete.retention.ms), over ten times what a whole restore
     * took on the loaded test machine (load 30). Applies to the changelogs Kafka Streams creates from now on; each
     * unless the file sets it (topic.segment.ms, topic.delete.retention.ms).
     */
    private void changelogDefaults() {
        String segment = StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG);
        setUnlessSet(segment, segment, Long.toString(CHANGELOG_SEGMENT_MS));
        String tombstones = StreamsConfig.topicPrefix(TopicConfig.DELETE_RETENTION_MS_CONFIG);
        setUnlessSet(tombstones, tombstones, Long.toString(CHANGELOG_DELETE_RETENTION_MS));
    }

    private void setUnlessSet(String prefixed, String plain, String value) {
        if (!streamsProperties.containsKey(prefixed) && !streamsProperties.containsKey(plain)) {
            streamsProperties.put(prefixed, value);
        }
    }

    private static Properties trickleOnly(Properties all) {
        Properties p = new Properties();
        all.forEach((k, v) -> {
            if (isOwnKey(k.toString())) {
                p.put(k, v);
            }
        });
        return p;
    }

    /** The Kafka Streams properties: the file's non-trickle keys. */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.putAll(streamsProperties);
        return p;
    }

    /** trickle.pg.url, trickle.pg.user and trickle.pg.password. */
    public PgConnectionConfig pg() {
        return PgConnectionConfig.of(this, PG_PREFIX);
    }

    public String pgUrl() {
        return pg().url();
    }

    public String pgUser() {
        return pg().user();
    }

    public String pgPassword() {
        return pg().password();
    }

    public String topicPrefix() {
        return getString(TOPIC_PREFIX);
    }

    public int deltaPartitions() {
        return getInt(DELTA_PARTITIONS);
    }

    public short replicationFactor() {
        return getShort(REPLICATION_FACTOR);
    }

    public long catalogPollMs() {
        return getLong(CATALOG_POLL_MS);
    }

    public ParallelMode parallelMode() {
        return ParallelMode.parse(getString(PARALLEL_MODE));
    }

    public int maxWorkers() {
        return getInt(MAX_WORKERS);
    }

    public int maxConcurrent() {
        return getInt(MAX_CONCURRENT);
    }

    /** The stream threads this instance runs (num.stream.threads as Kafka Streams gets it). */
    public int streamThreads() {
        return Integer.parseInt(streamsProperties.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG).toString().trim());
    }
}
