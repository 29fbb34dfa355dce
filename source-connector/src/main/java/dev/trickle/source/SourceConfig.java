package dev.trickle.source;

import dev.trickle.core.TopicNames;
import dev.trickle.core.pg.PgConnectionConfig;
import dev.trickle.core.connect.DecimalHandling;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/** The source connector's settings: one {@link ConfigDef}, which is also its documentation. */
public final class SourceConfig extends AbstractConfig {
    public static final String PG_URL = PgConnectionConfig.URL;
    public static final String PG_USER = PgConnectionConfig.USER;
    public static final String PG_PASSWORD = PgConnectionConfig.PASSWORD;
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TICK_INTERVAL_MS = "tick.interval.ms";
    public static final String BATCH_SIZE = "batch.size";
    public static final String CDC_MODE = "cdc.mode";
    public static final String TICK_SNAPSHOTS_AHEAD = "tick.snapshots.ahead";

    static final String GROUP_CONNECTION = "Connection";
    static final String GROUP_TOPICS = "Topics";
    static final String GROUP_TICKS = "Ticks";

    private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]+");

    public static final ConfigDef CONFIG_DEF = PgConnectionConfig.define(new ConfigDef(), "", GROUP_CONNECTION,
                    "It needs to read the source tables, and to create and write the pgtrickle and "
                            + "pgtrickle_changes schemas.")
            .define(TOPIC_PREFIX, Type.STRING, TopicNames.DEFAULT_PREFIX, new TopicPrefixValidator(), Importance.MEDIUM,
                    "Prefix of every Trickle topic: changes of table schema.table go to "
                            + "<prefix>.changes.<schema>.<table>. Must match the prefix of the streams app and the "
                            + "sink connector. Only letters, digits, '.', '_' and '-'.",
                    GROUP_TOPICS, 1, Width.MEDIUM, "Topic prefix")
            .define(TOPIC_PARTITIONS, Type.INT, 4, Range.atLeast(1), Importance.MEDIUM,
                    "Number of partitions of every change topic. Changed rows are spread over them by key, and "
                            + "every tick ends with a marker on each of them, so it must equal the partition count "
                            + "the topics are created with (topic.creation.default.partitions).",
                    GROUP_TOPICS, 2, Width.SHORT, "Change topic partitions")
            .define(TICK_INTERVAL_MS, Type.LONG, 1000L, Range.atLeast(10), Importance.MEDIUM,
                    "Time between ticks, in milliseconds. A tick is one database-wide snapshot; stream tables "
                            + "advance tick by tick, so this is the least staleness they can have.",
                    GROUP_TICKS, 1, Width.SHORT, "Tick interval (ms)")
            .define(BATCH_SIZE, Type.INT, 2000, Range.between(1, 1_000_000), Importance.LOW,
                    "Largest number of records handed to Kafka Connect per poll. Large ticks (such as the initial "
                            + "fill of a big table) are read with a cursor and handed out in batches of this size.",
                    GROUP_TICKS, 2, Width.SHORT, "Records per poll")
            .define(CDC_MODE, Type.STRING, "trigger",
                    ConfigDef.ValidString.in("trigger", "wal", "auto"), Importance.MEDIUM,
                    "How new source tables are captured, unless create_stream_table(..., cdc_mode => ...) or the "
                            + "PostgreSQL setting pgtrickle.cdc_mode says otherwise: 'trigger' (capture triggers write "
                            + "each change in the writer's transaction), 'wal' (decoded from the write-ahead log through "
                            + "one logical replication slot: nothing runs in the writer's transaction; needs "
                            + "wal_level=logical and a role with REPLICATION; the table gets REPLICA IDENTITY FULL) or "
                            + "'auto' (WAL where the server allows it, else triggers with a warning). A source keeps the "
                            + "mode it was first captured in.",
                    GROUP_TICKS, 3, Width.SHORT, "Change capture mode")
            .define(TICK_SNAPSHOTS_AHEAD, Type.INT, SnapshotQueue.DEFAULT_DEPTH, Range.between(0, 1024), Importance.LOW,
                    "Snapshots of coming ticks held at most while a tick is still handed out (the task behind "
                            + "Kafka) or waits for the WAL decoder: each is taken on time and read in its turn, so that "
                            + "ticks stay one interval apart under load. Each " + SnapshotQueue.PER_HOLDER + " cost one "
                            + "PostgreSQL session (an open read-only transaction); VACUUM's horizon stays where the tick "
                            + "handed out holds it, plus at most " + SnapshotQueue.PER_HOLDER + " intervals. When "
                            + "they run out, the next tick is late and carries every interval "
                            + "missed; 0 takes none ahead.",
                    GROUP_TICKS, 4, Width.SHORT, "Tick snapshots held ahead");

    static {
        DecimalHandling.define(CONFIG_DEF, GROUP_TOPICS, 3);
    }

    private final PgConnectionConfig pg;

    public SourceConfig(Map<String, String> props) {
        super(CONFIG_DEF, props, false);
        PgConnectionConfig.logValues(this); // Kafka's own log of the values would show a password in pg.url
        pg = PgConnectionConfig.of(this, "");
        // where the connector's own config names the converter, precise numerics without schemas are refused here
        DecimalHandling.checkConverter(decimalHandling(), props.get("value.converter"),
                props.get("value.converter.schemas.enable"));
    }

    /** How numeric columns travel (decimal.handling.mode). */
    public DecimalHandling decimalHandling() {
        return DecimalHandling.of(getString(DecimalHandling.CONFIG));
    }

    /** pg.url, pg.user and pg.password. */
    public PgConnectionConfig pg() {
        return pg;
    }

    public String pgUrl() {
        return pg.url();
    }

    public String pgUser() {
        return pg.user();
    }

    public String pgPassword() {
        return pg.password();
    }

    public String topicPrefix() {
        return getString(TOPIC_PREFIX);
    }

    public int topicPartitions() {
        return getInt(TOPIC_PARTITIONS);
    }

    public long tickIntervalMs() {
        return getLong(TICK_INTERVAL_MS);
    }

    public int batchSize() {
        return getInt(BATCH_SIZE);
    }

    /** tick.snapshots.ahead: snapshots of coming ticks held at most. */
    public int tickSnapshotsAhead() {
        return getInt(TICK_SNAPSHOTS_AHEAD);
    }

    /** cdc.mode: trigger, wal or auto (lower case). */
    public String cdcMode() {
        return getString(CDC_MODE).toLowerCase(java.util.Locale.ROOT);
    }

    /** The prefix becomes part of topic names, which Kafka limits to {@code [a-zA-Z0-9._-]}. */
    static final class TopicPrefixValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String prefix = value == null ? "" : value.toString();
            if (prefix.isEmpty()) {
                throw new ConfigException(name, prefix, "must not be empty; the default is \"trickle\"");
            }
            if (!TOPIC_CHARS.matcher(prefix).matches()) {
                throw new ConfigException(name, prefix,
                        "may contain only letters, digits, '.', '_' and '-' (it becomes part of Kafka topic names)");
            }
            if (prefix.length() > 200) {
                throw new ConfigException(name, prefix, "is too long: topic names are limited to 249 characters");
            }
        }

        @Override
        public String toString() {
            return "non-empty [a-zA-Z0-9._-]+";
        }
    }
}
