package dev.trickle.source;

import dev.trickle.core.catalog.CatalogInstaller;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes database-wide ticks of a PostgreSQL database and writes each tick's changes of the captured
 * source tables to Kafka change topics. Always one task: ticks form a single total order.
 */
public final class TrickleSourceConnector extends SourceConnector {
    private static final Logger LOG = LoggerFactory.getLogger(TrickleSourceConnector.class);
    static final String TOPIC_CREATION_PARTITIONS = "topic.creation.default.partitions";

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public ConfigDef config() {
        return SourceConfig.CONFIG_DEF;
    }

    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        config.configValues().forEach(v -> byName.put(v.name(), v));
        checkPartitions(connectorConfigs, byName.get(SourceConfig.TOPIC_PARTITIONS));
        checkConnection(byName);
        return config;
    }

    /** Markers go to partitions 0..n-1: the topics must really have n partitions. */
    private static void checkPartitions(Map<String, String> configs, ConfigValue partitions) {
        String created = configs.get(TOPIC_CREATION_PARTITIONS);
        if (created == null || partitions == null || !partitions.errorMessages().isEmpty()) {
            return;
        }
        Object wanted = partitions.value();
        if (!created.trim().equals(String.valueOf(wanted))) {
            partitions.addErrorMessage("topic.partitions is " + wanted + " but " + TOPIC_CREATION_PARTITIONS + " is "
                    + created + ": every tick ends with a marker on each of the topic.partitions partitions, so the "
                    + "change topics must be created with exactly that many. Set both to the same number.");
        }
    }

    private static void checkConnection(Map<String, ConfigValue> byName) {
        ConfigValue url = byName.get(SourceConfig.PG_URL);
        if (url == null || !url.errorMessages().isEmpty() || url.value() == null) {
            return;
        }
        String user = String.valueOf(Optional.ofNullable(byName.get(SourceConfig.PG_USER)).map(ConfigValue::value)
                .orElse("postgres"));
        Object pw = Optional.ofNullable(byName.get(SourceConfig.PG_PASSWORD)).map(ConfigValue::value).orElse(null);
        String password = pw instanceof org.apache.kafka.common.config.types.Password p ? p.value()
                : pw == null ? "" : pw.toString();
        try (Connection c = PgConnections.open(url.value().toString(), user, password, "validate")) {
            LOG.debug("Connected to {} as {} to validate the configuration", PgConnections.redact(c.getMetaData().getURL()), user);
        } catch (SQLException e) {
            url.addErrorMessage(PgConnections.describeConnectFailure(url.value().toString(), user, e));
        }
    }

    @Override
    public void start(Map<String, String> props) {
        SourceConfig config;
        try {
            config = new SourceConfig(props);
        } catch (ConfigException e) {
            throw new ConnectException("Invalid Trickle source connector configuration: " + e.getMessage(), e);
        }
        this.props = Map.copyOf(props);
        try {
            String version = CatalogInstaller.install(config.pgUrl(), config.pgUser(), config.pgPassword());
            LOG.info("Trickle source connector started on {} (catalog version {})",
                    PgConnections.redact(config.pgUrl()), version);
        } catch (RuntimeException e) {
            throw new ConnectException("Could not install or upgrade the Trickle catalog in "
                    + PgConnections.redact(config.pgUrl()) + ": " + e.getMessage()
                    + ". Check that PostgreSQL is reachable and that " + config.pgUser()
                    + " may create schemas in that database.", e);
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return TrickleSourceTask.class;
    }

    /** One task whatever {@code maxTasks} says: two tickers would break the total order of ticks. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of(props);
    }

    @Override
    public void stop() {
        LOG.info("Trickle source connector stopped");
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> connectorConfig) {
        return ConnectorTransactionBoundaries.SUPPORTED;
    }
}
