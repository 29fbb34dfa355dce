package dev.trickle.source;

import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

/** What a user meets when configuring the connector: documented settings and clear refusals. */
class ConnectorTest {
    private final TrickleSourceConnector connector = new TrickleSourceConnector();

    private Map<String, List<String>> errors(Map<String, String> props) {
        return connector.validate(props).configValues().stream()
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void everySettingIsDocumentedAndGrouped() {
        ConfigDef def = connector.config();
        assertEquals(List.of("pg.url", "pg.user", "pg.password", "topic.prefix", "topic.partitions",
                "tick.interval.ms", "batch.size", "cdc.mode", "tick.snapshots.ahead", "decimal.handling.mode"),
                List.copyOf(def.configKeys().keySet()));
        def.configKeys().values().forEach(k -> {
            assertTrue(k.documentation.length() > 40, k.name + " is documented");
            assertTrue(List.of("Connection", "Topics", "Ticks").contains(k.group), k.name + " has a group");
        });
        assertEquals(ConfigDef.Type.PASSWORD, def.configKeys().get("pg.password").type);
        assertEquals("precise", def.configKeys().get("decimal.handling.mode").defaultValue, "Debezium's default");
    }

    @Test
    void tickSnapshotsAheadIsBounded() {
        String url = "jdbc:postgresql://127.0.0.1:1/none";
        assertTrue(errors(Map.of("pg.url", url, "tick.snapshots.ahead", "-1")).get("tick.snapshots.ahead").get(0)
                .contains("at least 0"));
        assertTrue(errors(Map.of("pg.url", url, "tick.snapshots.ahead", "5000")).get("tick.snapshots.ahead").get(0)
                .contains("no more than 1024"));
        assertEquals(List.of(), errors(Map.of("pg.url", url, "tick.snapshots.ahead", "0")).get("tick.snapshots.ahead"));
        assertEquals(SnapshotQueue.DEFAULT_DEPTH, new SourceConfig(Map.of("pg.url", url)).tickSnapshotsAhead());
    }

    @Test
    void decimalHandlingSaysWhatItAccepts() {
        List<String> dbl = errors(Map.of("pg.url", "jdbc:postgresql://127.0.0.1:1/none", "decimal.handling.mode", "double"))
                .get("decimal.handling.mode");
        assertTrue(dbl.size() == 1 && dbl.get(0).contains("loses the digits") && dbl.get(0).contains("precise or string"),
                dbl.toString());
        org.apache.kafka.common.config.ConfigException lossy = org.junit.jupiter.api.Assertions.assertThrows(
                org.apache.kafka.common.config.ConfigException.class, () -> new SourceConfig(Map.of("pg.url",
                        "jdbc:postgresql://127.0.0.1:1/none", "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                        "value.converter.schemas.enable", "false")));
        assertTrue(lossy.getMessage().contains("decimal.handling.mode=string"), lossy.getMessage());
        assertEquals(dev.trickle.core.connect.DecimalHandling.STRING, new SourceConfig(Map.of("pg.url",
                "jdbc:postgresql://127.0.0.1:1/none", "decimal.handling.mode", "string")).decimalHandling());
    }

    @Test
    void aGoodConfigurationValidatesAndStartsOneTask() {
        String url = EmbeddedPg.freshDatabase("connector");
        Map<String, String> props = Map.of("pg.url", url, "pg.password", "postgres",
                "topic.creation.default.partitions", "4");
        errors(props).forEach((name, messages) -> assertEquals(List.of(), messages, name));
        connector.start(props);
        try {
            // installed at the newest version (installing again changes nothing and names it)
            // the newest as numbers: as text, 0.4.0.9 sorts after 0.4.0.10
            String newest = "SELECT version FROM pgtrickle.pgt_schema_history WHERE version IS NOT NULL "
                    + "ORDER BY string_to_array(version, '.')::int[] DESC LIMIT 1";
            String installed = one(url, newest);
            assertEquals(dev.trickle.core.catalog.CatalogInstaller.install(url, "postgres", "postgres"), installed);
            assertEquals(installed, one(url, newest));
            assertEquals(List.of(props), connector.taskConfigs(8));
            assertEquals(TrickleSourceTask.class, connector.taskClass());
            assertEquals(ExactlyOnceSupport.SUPPORTED, connector.exactlyOnceSupport(props));
            assertEquals(ConnectorTransactionBoundaries.SUPPORTED, connector.canDefineTransactionBoundaries(props));
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        } finally {
            connector.stop();
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedOnPgUrl() {
        Map<String, List<String>> errors = errors(Map.of("pg.url", "jdbc:postgresql://127.0.0.1:1/nowhere?password=secret"));
        assertEquals(1, errors.get("pg.url").size());
        String message = errors.get("pg.url").get(0);
        assertTrue(message.startsWith("Could not connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/nowhere as user "
                + "'postgres'"), message);
        assertTrue(message.contains("Check that PostgreSQL is running and reachable"), message);
        assertTrue(!message.contains("secret"), "the password is not shown");
    }

    @Test
    void aMissingDatabaseSaysSo() {
        String url = EmbeddedPg.freshDatabase("exists").replaceAll("/t_exists_\\d+", "/no_such_db");
        String message = errors(Map.of("pg.url", url, "pg.password", "postgres")).get("pg.url").get(0);
        assertTrue(message.contains("database name"), message);
    }

    @Test
    void badValuesAreRefusedOnTheirField() {
        Map<String, String> props = new HashMap<>(Map.of("pg.url", "jdbc:mysql://localhost/x",
                "topic.prefix", "my prefix!", "topic.partitions", "3", "topic.creation.default.partitions", "6",
                "tick.interval.ms", "1"));
        Map<String, List<String>> errors = errors(props);
        assertTrue(errors.get("pg.url").get(0).contains("must be a PostgreSQL JDBC URL"), errors.toString());
        assertTrue(errors.get("topic.prefix").get(0).contains("only letters, digits"), errors.toString());
        assertTrue(errors.get("topic.partitions").get(0).contains("topic.creation.default.partitions is 6"),
                errors.toString());
        assertEquals(1, errors.get("tick.interval.ms").size());
        props.put("topic.prefix", "");
        assertTrue(errors(props).get("topic.prefix").get(0).contains("must not be empty"));
    }

    @Test
    void connectFindsTheConnector() {
        assertTrue(ServiceLoader.load(SourceConnector.class).stream()
                .anyMatch(p -> p.type() == TrickleSourceConnector.class));
        assertEquals("0.4.0", connector.version());
    }
}
