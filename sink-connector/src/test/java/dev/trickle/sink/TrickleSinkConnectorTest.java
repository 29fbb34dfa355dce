package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

class TrickleSinkConnectorTest {

    /** A JDBC URL whose port nobody listens on. */
    static String deadUrl() {
        try (ServerSocket s = new ServerSocket(0)) {
            return "jdbc:postgresql://127.0.0.1:" + s.getLocalPort() + "/nowhere";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> config(String url) {
        Map<String, String> c = new HashMap<>();
        c.put(SinkConfig.PG_URL, url);
        c.put(SinkConfig.PG_PASSWORD, "postgres");
        c.put("topics.regex", "trickle\\.delta\\..*");
        return c;
    }

    private static Map<String, List<String>> errors(Config config) {
        return config.configValues().stream().filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    @Test
    void validateAcceptsAReachableDatabase() {
        String url = EmbeddedPg.freshDatabase("sink_validate");
        assertEquals(Map.of(), errors(new TrickleSinkConnector().validate(config(url))));
    }

    @Test
    void validateReportsAnUnreachableDatabaseOnPgUrl() {
        String url = deadUrl();
        Map<String, List<String>> errors = errors(new TrickleSinkConnector().validate(config(url)));
        assertEquals(List.of(SinkConfig.PG_URL), List.copyOf(errors.keySet()));
        String message = errors.get(SinkConfig.PG_URL).get(0);
        assertTrue(message.startsWith("could not connect to PostgreSQL at " + url + " as user \"postgres\": "), message);
        assertTrue(message.contains("refused"), message);
    }

    @Test
    void validateRefusesWhatIsNotAPostgresUrlWithoutConnecting() {
        Map<String, List<String>> errors = errors(new TrickleSinkConnector().validate(config("jdbc:mysql://x/y")));
        assertEquals(1, errors.get(SinkConfig.PG_URL).size());
        assertTrue(errors.get(SinkConfig.PG_URL).get(0).contains("must be a PostgreSQL JDBC URL"));
    }

    @Test
    void validateRequiresTopics() {
        Map<String, String> c = config(deadUrl());
        c.remove("topics.regex");
        Map<String, List<String>> errors = errors(new TrickleSinkConnector().validate(c));
        assertTrue(errors.get("topics").get(0).contains("set topics.regex"), errors.toString());
        assertThrows(ConfigException.class, () -> new SinkConfig(Map.of()));
    }

    @Test
    void startInstallsTheCatalogAndEveryTaskGetsTheConfig() throws SQLException {
        String url = EmbeddedPg.freshDatabase("sink_start");
        TrickleSinkConnector connector = new TrickleSinkConnector();
        connector.start(config(url));
        try (Connection c = EmbeddedPg.connect(url);
             ResultSet rs = c.createStatement().executeQuery("SELECT to_regclass('pgtrickle.pgt_sink_progress')")) {
            assertTrue(rs.next());
            assertEquals("pgtrickle.pgt_sink_progress", rs.getString(1));
        }
        List<Map<String, String>> tasks = connector.taskConfigs(3);
        assertEquals(3, tasks.size());
        assertEquals(url, tasks.get(2).get(SinkConfig.PG_URL));
        assertEquals(TrickleSinkTask.class, connector.taskClass());
        connector.stop();
    }

    @Test
    void startSaysWhyTheCatalogCouldNotBeInstalled() {
        String url = deadUrl();
        ConnectException e = assertThrows(ConnectException.class, () -> new TrickleSinkConnector().start(config(url)));
        assertTrue(e.getMessage().startsWith("could not install or upgrade the pgtrickle catalog in " + url), e.getMessage());
    }

    @Test
    void parallelRefreshRunsUnitsAtOnceOnlyWhenOnWithinTheCap() {
        Map<String, String> c = config("jdbc:postgresql://localhost/db");
        assertEquals(1, new SinkConfig(c).parallelism(), "off is the default");
        c.put(SinkConfig.PARALLEL_MODE, "dry_run");
        c.put(SinkConfig.MAX_WORKERS, "6");
        assertEquals(1, new SinkConfig(c).parallelism(), "dry_run runs serially");
        c.put(SinkConfig.PARALLEL_MODE, "on");
        assertEquals(4, new SinkConfig(c).parallelism(), "max.concurrent.refreshes (default 4) caps the budget");
        c.put(SinkConfig.MAX_CONCURRENT, "8");
        assertEquals(6, new SinkConfig(c).parallelism());
        // the budget is the connector's: its tasks share it, each with at least one worker
        c.put(SinkConfig.MAX_CONCURRENT, "4");
        c.put(SinkConfig.PARALLEL_MODE, "on");
        c.put(SinkConfig.PG_URL, EmbeddedPg.freshDatabase("sink_tasks"));
        TrickleSinkConnector connector = new TrickleSinkConnector();
        connector.start(c);
        assertEquals(List.of(2, 2), connector.taskConfigs(2).stream().map(t -> new SinkConfig(t).parallelism()).toList());
        assertEquals(List.of(1, 1, 1), connector.taskConfigs(3).stream().map(t -> new SinkConfig(t).parallelism()).toList());
        assertEquals(List.of("0", "1"), connector.taskConfigs(2).stream().map(t -> t.get(TrickleSinkTask.TASK_INDEX)).toList());
        connector.stop();
        c.put(SinkConfig.PARALLEL_MODE, "fast");
        ConfigException e = assertThrows(ConfigException.class, () -> new SinkConfig(c));
        assertTrue(e.getMessage().contains("parallel.refresh.mode"), e.getMessage());
    }

    @Test
    void theConnectorIsRegisteredAndDocumented() {
        assertTrue(ServiceLoader.load(SinkConnector.class).stream()
                .anyMatch(p -> p.type() == TrickleSinkConnector.class));
        assertNotEquals("unknown", new TrickleSinkConnector().version());
        for (ConfigDef.ConfigKey key : SinkConfig.CONFIG_DEF.configKeys().values()) {
            assertFalse(key.documentation == null || key.documentation.isBlank(), key.name);
            assertTrue(List.of(SinkConfig.GROUP_CONNECTION, SinkConfig.GROUP_APPLY, SinkConfig.GROUP_PARALLEL).contains(key.group), key.name);
        }
        assertEquals(ConfigDef.Type.PASSWORD, SinkConfig.CONFIG_DEF.configKeys().get(SinkConfig.PG_PASSWORD).type);
    }
}
