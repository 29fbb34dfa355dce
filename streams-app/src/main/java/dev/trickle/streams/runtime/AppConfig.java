package dev.trickle.streams.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The streams app's own settings ({@code trickle.*}); every other property of the file goes to
 * Kafka Streams unchanged (application.id, bootstrap.servers, processing.guarantee, ...).
 */
public final class AppConfig extends AbstractConfig {
    public static final String PG_URL = "trickle.pg.url";
    public static final String PG_USER = "trickle.pg.user";
    public static final String PG_PASSWORD = "trickle.pg.password";
    public static final String TOPIC_PREFIX = "trickle.topic.prefix";
    public static final String TOPIC_PARTITIONS = "trickle.topic.partitions";
    public static final String DELTA_PARTITIONS = "trickle.delta.partitions";
    public static final String REPLICATION_FACTOR = "trickle.replication.factor";
    public static final String CATALOG_POLL_MS = "trickle.catalog.poll.ms";

    public static final ConfigDef CONFIG = new ConfigDef()
            .define(PG_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "JDBC URL of the PostgreSQL database that holds the sources and the pgtrickle catalog.",
                    "Connection", 1, ConfigDef.Width.LONG, "PostgreSQL URL")
            .define(PG_USER, Type.STRING, "postgres", Importance.HIGH, "PostgreSQL user.",
                    "Connection", 2, ConfigDef.Width.SHORT, "PostgreSQL user")
            .define(PG_PASSWORD, Type.PASSWORD, "", Importance.HIGH, "PostgreSQL password.",
                    "Connection", 3, ConfigDef.Width.SHORT, "PostgreSQL password")
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
                    "Engine", 1, ConfigDef.Width.SHORT, "Catalog poll interval");

    private final Properties streamsProperties = new Properties();

    public AppConfig(Properties all) {
        super(CONFIG, trickleOnly(all));
        all.forEach((k, v) -> {
            if (!k.toString().startsWith("trickle.")) {
                streamsProperties.put(k, v);
            }
        });
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

    private static Properties trickleOnly(Properties all) {
        Properties p = new Properties();
        all.forEach((k, v) -> {
            if (k.toString().startsWith("trickle.")) {
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

    public String pgUrl() {
        return getString(PG_URL);
    }

    public String pgUser() {
        return getString(PG_USER);
    }

    public String pgPassword() {
        return getPassword(PG_PASSWORD).value();
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
}
