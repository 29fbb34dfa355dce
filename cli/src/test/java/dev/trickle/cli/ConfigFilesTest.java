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

    /** config/avro/ is config/ with Apicurio's AvroConverter: any other difference is a template left behind. */
    @Test
    void theAvroVariantIsTheDefaultWithOnlyTheConvertersChanged() throws Exception {
        Map<String, String> values = new java.util.HashMap<>(VALUES);
        values.put("registry.url", "http://127.0.0.1:8080/apis/registry/v2");
        ConfigFiles json = ConfigFiles.locate(null);
        ConfigFiles avro = ConfigFiles.locate(null, "avro");
        for (String file : new String[] {ConfigFiles.SOURCE_CONNECTOR, ConfigFiles.SINK_CONNECTOR}) {
            ConfigFiles.Connector a = avro.connector(file, values);
            assertEquals(json.connector(file, values).name(), a.name());
            assertEquals(withoutConverters(json.connector(file, values).config()), withoutConverters(a.config()), file);
            assertAvroConverters(a.config(), file);
        }
        Properties jp = new Properties();
        jp.load(new StringReader(json.properties(ConfigFiles.STREAMS_APP, values)));
        Properties ap = new Properties();
        ap.load(new StringReader(avro.properties(ConfigFiles.STREAMS_APP, values)));
        Map<String, String> jm = new java.util.TreeMap<>();
        jp.stringPropertyNames().forEach(k -> jm.put(k, jp.getProperty(k)));
        Map<String, String> am = new java.util.TreeMap<>();
        ap.stringPropertyNames().forEach(k -> am.put(k, ap.getProperty(k)));
        assertEquals(withoutConverters(jm), withoutConverters(am), ConfigFiles.STREAMS_APP);
        assertAvroConverters(am, ConfigFiles.STREAMS_APP);
    }

    @Test
    void anUnknownConverterIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigFiles.locate(null, "xml"));
        assertTrue(e.getMessage().contains("use one of [json, avro]"), e.getMessage());
    }

    private static final String SINK_KEYS = "org.apache.kafka.connect.converters.ByteArrayConverter";

    /** The shipped default: JsonConverter's format without schemas, written and read without Jackson trees. */
    @Test
    void theDefaultConverterIsStreamingJsonWithoutSchemasAndTheSinkTakesKeysAsBytes() throws Exception {
        ConfigFiles json = ConfigFiles.locate(null);
        String converter = "dev.trickle.core.connect.StreamingJsonConverter";
        Map<String, String> source = json.connector(ConfigFiles.SOURCE_CONNECTOR, VALUES).config();
        Map<String, String> sink = json.connector(ConfigFiles.SINK_CONNECTOR, VALUES).config();
        Properties app = new Properties();
        app.load(new StringReader(json.properties(ConfigFiles.STREAMS_APP, VALUES)));
        for (String side : new String[] {"key", "value"}) {
            assertEquals(converter, source.get(side + ".converter"));
            assertEquals("false", source.get(side + ".converter.schemas.enable"));
            assertEquals(converter, app.getProperty(side + ".converter"));
            assertEquals("false", app.getProperty(side + ".converter.schemas.enable"));
        }
        assertEquals(converter, sink.get("value.converter"));
        assertEquals("false", sink.get("value.converter.schemas.enable"));
        assertEquals(SINK_KEYS, sink.get("key.converter"));
    }

    private static Map<String, String> withoutConverters(Map<String, String> config) {
        Map<String, String> out = new java.util.TreeMap<>(config);
        // decimal.handling.mode goes with the converter: string without schemas (config/), precise with Avro
        out.keySet().removeIf(k -> k.startsWith("key.converter") || k.startsWith("value.converter")
                || k.equals("decimal.handling.mode"));
        return out;
    }

    private static void assertAvroConverters(Map<String, String> config, String file) {
        if (file.equals(ConfigFiles.SINK_CONNECTOR)) {
            // the sink never reads a record's key: it takes them as bytes with either format
            assertEquals(SINK_KEYS, config.get("key.converter"), file);
        }
        for (String side : file.equals(ConfigFiles.SINK_CONNECTOR) ? new String[] {"value"} : new String[] {"key", "value"}) {
            assertEquals("io.apicurio.registry.utils.converter.AvroConverter", config.get(side + ".converter"), file);
            assertEquals("http://127.0.0.1:8080/apis/registry/v2", config.get(side + ".converter.apicurio.registry.url"), file);
            assertEquals("true", config.get(side + ".converter.apicurio.registry.as-confluent"), file);
            assertEquals("contentId", config.get(side + ".converter.apicurio.registry.use-id"), file);
            assertEquals("false", config.get(side + ".converter.apicurio.registry.headers.enabled"), file);
        }
    }

    @Test
    void unknownPlaceholdersAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigFiles.substitute("x=${nope}", VALUES, "f"));
        assertTrue(e.getMessage().contains("${nope}"));
    }
}
