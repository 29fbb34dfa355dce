package dev.trickle.sink;

import dev.trickle.core.catalog.CatalogInstaller;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the delta topics of Trickle stream tables to PostgreSQL, one tick per transaction, exactly once.
 *
 * <p>All partitions of one delta topic must be read by the same task: a tick is complete only when its
 * end markers arrived on every partition. With {@code tasks.max=1} (the shipped configuration) that
 * always holds; with more tasks it holds only for single-partition delta topics, and a task that sees
 * only part of a topic logs a warning and applies nothing of it.
 */
public class TrickleSinkConnector extends SinkConnector {
    private static final Logger LOG = LoggerFactory.getLogger(TrickleSinkConnector.class);
    static final String TOPICS_REGEX = "topics.regex";
    /** hash_record_extended, which the stream tables' row index uses, exists from PostgreSQL 14 on. */
    static final int MIN_SERVER_MAJOR = 14;

    private Map<String, String> props;

    @Override
    public String version() {
        return SinkConfig.version();
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = new HashMap<>(props);
        SinkConfig config = new SinkConfig(props);
        try {
            String version = CatalogInstaller.install(config.url(), config.user(), config.password());
            LOG.info("Trickle sink connector started on {} (catalog version {})", config.redactedUrl(), version);
        } catch (RuntimeException e) {
            throw new ConnectException("could not install or upgrade the pgtrickle catalog in " + config.redactedUrl()
                    + ": " + rootMessage(e), e);
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return TrickleSinkTask.class;
    }

    /**
     * One configuration per task, the same but for its index (which names it in its heartbeat) and the task count
     * (which splits the worker budget): Connect's consumer group spreads the partitions. See the class
     * comment for why all partitions of a delta topic must end up in one task.
     */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put(TrickleSinkTask.TASK_INDEX, Integer.toString(i));
            c.put(SinkConfig.TASK_COUNT, Integer.toString(maxTasks));
            configs.add(c);
        }
        return configs;
    }

    @Override
    public void stop() {
        LOG.info("Trickle sink connector stopped");
    }

    @Override
    public ConfigDef config() {
        return SinkConfig.CONFIG_DEF;
    }

    /** Besides the field checks: PostgreSQL must be reachable with these settings, and some topics named. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> byName = new HashMap<>();
        result.configValues().forEach(v -> byName.put(v.name(), v));
        boolean fieldsOk = result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (fieldsOk) {
            checkConnection(connectorConfigs).ifPresent(msg -> byName.get(SinkConfig.PG_URL).addErrorMessage(msg));
        }
        if (blank(connectorConfigs.get(TOPICS_CONFIG)) && blank(connectorConfigs.get(TOPICS_REGEX))) {
            ConfigValue topics = byName.get(TOPICS_CONFIG);
            if (topics == null) {
                topics = new ConfigValue(TOPICS_CONFIG);
                result.configValues().add(topics);
            }
            topics.addErrorMessage("set topics.regex to the delta topics, e.g. trickle\\.delta\\..* "
                    + "(or list them in topics)");
        }
        return result;
    }

    /** Empty when PostgreSQL accepts a connection and is new enough; else what failed, in the user's words. */
    static Optional<String> checkConnection(Map<String, String> connectorConfigs) {
        SinkConfig config = new SinkConfig(connectorConfigs);
        try (Connection c = config.connect()) {
            DatabaseMetaData meta = c.getMetaData();
            if (meta.getDatabaseMajorVersion() < MIN_SERVER_MAJOR) {
                return Optional.of("PostgreSQL " + meta.getDatabaseProductVersion() + " at " + config.redactedUrl()
                        + " is too old: Trickle needs PostgreSQL " + MIN_SERVER_MAJOR + " or later");
            }
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("could not connect to PostgreSQL at " + config.redactedUrl() + " as user \"" + config.user()
                    + "\": " + e.getMessage() + " (check host, port, database, user and password)");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }
}
