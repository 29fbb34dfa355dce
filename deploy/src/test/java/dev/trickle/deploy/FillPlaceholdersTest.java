package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** fill-placeholders, which fills config/ in the compose stack's containers as the local stack fills it. */
class FillPlaceholdersTest {
    private static final String AWKWARD = "p\"w\\d ${x} & |";

    @BeforeEach
    void tools() {
        Assumptions.assumeTrue(DockerScripts.available(), "sh, jq and curl (the trickle image has them) are not on this machine");
    }

    private static Map<String, String> env(String password) {
        return Map.of("TRICKLE_PG_URL", "jdbc:postgresql://postgres:5432/trickle", "TRICKLE_PG_USER", "postgres",
                "TRICKLE_PG_PASSWORD", password, "TRICKLE_TOPIC_PREFIX", "trickle", "TRICKLE_BOOTSTRAP_SERVERS", "kafka:29092",
                "TRICKLE_STATE_DIR", "/var/lib/trickle/streams-state", "TRICKLE_WORK_DIR", "/var/lib/trickle");
    }

    @Test
    void connectorConfigStaysValidJsonWithEveryValueInPlace() throws Exception {
        DockerScripts.Result r = DockerScripts.run(env(AWKWARD), 30, "fill-placeholders", "json", "config/sink-connector.json");
        assertEquals(0, r.status(), r.err());
        JsonNode config = new ObjectMapper().readTree(r.out()).path("config");
        assertEquals(AWKWARD, config.path("pg.password").asText(), "any password, taken literally");
        assertEquals("jdbc:postgresql://postgres:5432/trickle", config.path("pg.url").asText());
        assertEquals("trickle\\.delta\\..*", config.path("topics.regex").asText());
        assertTrue(!r.out().contains("${pg."), r.out());
    }

    @Test
    void propertiesKeepTheirValuesAsJavaReadsThem() throws Exception {
        DockerScripts.Result r = DockerScripts.run(env(AWKWARD), 30, "fill-placeholders", "properties", "config/streams-app.properties");
        assertEquals(0, r.status(), r.err());
        Properties p = new Properties();
        p.load(new StringReader(r.out()));
        assertEquals(AWKWARD, p.getProperty("trickle.pg.password"));
        assertEquals("kafka:29092", p.getProperty("bootstrap.servers"));
        assertEquals("trickle", p.getProperty("trickle.topic.prefix"));
    }

    @Test
    void aPlaceholderWithoutItsVariableIsAnErrorThatNamesIt() throws Exception {
        DockerScripts.Result r = DockerScripts.run(Map.of("TRICKLE_PG_URL", "x"), 30, "fill-placeholders", "json",
                "config/source-connector.json");
        assertTrue(r.status() != 0, "fails");
        assertTrue(r.err().contains("set the environment variable TRICKLE_PG_USER")
                || r.err().contains("set the environment variable TRICKLE_PG_PASSWORD")
                || r.err().contains("set the environment variable TRICKLE_TOPIC_PREFIX"), r.err());
    }
}
