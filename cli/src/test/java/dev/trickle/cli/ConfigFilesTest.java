package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ConfigFilesTest {
    private static final Map<String, String> VALUES = Map.of(
            "pg.url", "jdbc:postgresql://127.0.0.1:5432/trickle", "pg.user", "postgres", "pg.password", "p\\w",
            "topic.prefix", "trickle", "bootstrap.servers", "127.0.0.1:9092", "state.dir", "/tmp/state");

    @Test
    void connectorTemplatesAreFilledIn() {
        ConfigFiles files = ConfigFiles.locate(null);
        ConfigFiles.Connector source = files.connector(ConfigFiles.SOURCE_CONNECTOR, VALUES);
        assertEquals("dev.trickle.source.TrickleSourceConnector", source.config().get("connector.class"));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/trickle", source.config().get("pg.url"));
        assertEquals("required", source.config().get("exactly.once.support"));
        ConfigFiles.Connector sink = files.connector(ConfigFiles.SINK_CONNECTOR, VALUES);
        assertEquals("dev.trickle.sink.TrickleSinkConnector", sink.config().get("connector.class"));
        assertEquals("trickle\\.delta\\..*", sink.config().get("topics.regex"));
        assertTrue("trickle.delta.public.big_orders".matches(sink.config().get("topics.regex")));
        for (String v : source.config().values()) {
            assertFalse(v.contains("${"), v);
        }
    }

    @Test
    void streamsPropertiesAreFilledIn() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(ConfigFiles.locate(null).properties(ConfigFiles.STREAMS_APP, VALUES)));
        assertEquals("127.0.0.1:9092", p.getProperty("bootstrap.servers"));
        assertEquals("exactly_once_v2", p.getProperty("processing.guarantee"));
        assertEquals("p\\w", p.getProperty("trickle.pg.password"));
        assertEquals("/tmp/state", p.getProperty("state.dir"));
    }

    @Test
    void unknownPlaceholdersAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigFiles.substitute("x=${nope}", VALUES, "f"));
        assertTrue(e.getMessage().contains("${nope}"));
    }
}
