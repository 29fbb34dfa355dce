package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.trickle.cli.KafkaBroker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml checked offline, as CI can (no container engine): valid against the compose-spec JSON schema
 * (vendored in src/test/resources/compose-spec, from compose-spec/compose-spec), files it builds from exist, and
 * the stack has what the issue asks: wal_level=logical, KRaft, health checks and start order.
 */
class ComposeFileTest {
    private static JsonSchema schema;
    private static ComposeFile compose;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = ComposeFileTest.class.getResourceAsStream("/compose-spec/compose-spec.json")) {
            ObjectNode spec = (ObjectNode) new ObjectMapper().readTree(in);
            // its "$schema" names draft 07 by an https address the validator would try to fetch (draft 07 is given
            // here), and its relative "$id" needs a base address it has not; its references are all local (#/...)
            spec.remove("$schema");
            spec.remove("$id");
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(spec);
        }
        compose = ComposeFile.load(Repo.composeFile());
    }

    @Test
    void composeFileIsValidAgainstTheComposeSpecSchema() {
        Set<ValidationMessage> errors = schema.validate(compose.raw());
        assertEquals(List.of(), errors.stream().map(ValidationMessage::getMessage).sorted().toList(),
                "docker-compose.yml against the compose-spec schema");
    }

    @Test
    void schemaCatchesWhatComposeWouldRefuse() {
        // the validator is not a no-op: a misspelt key and a wrong type are reported
        ComposeFile broken = ComposeFile.parse("services:\n  db:\n    image: postgres:17\n    helthcheck: {test: [\"CMD\", \"true\"]}\n"
                + "    ports: {a: 1}\n");
        List<String> errors = schema.validate(broken.raw()).stream().map(ValidationMessage::getMessage).toList();
        assertTrue(errors.stream().anyMatch(e -> e.contains("helthcheck")), "misspelt key reported: " + errors);
        assertTrue(errors.stream().anyMatch(e -> e.contains("ports")), "wrong type reported: " + errors);
    }

    @Test
    void everyImageThatIsBuiltHasItsDockerfileAndWhatItCopies() throws IOException {
        Pattern copy = Pattern.compile("^COPY\\s+(?:--from=\\S+\\s+)?(.+)\\s+\\S+$", Pattern.MULTILINE);
        List<String> checked = new ArrayList<>();
        for (JsonNode service : compose.raw().path("services")) {
            JsonNode build = service.path("build");
            if (build.isMissingNode()) {
                continue;
            }
            Path context = Repo.root().resolve(build.path("context").asText("."));
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
            assertTrue(Files.isRegularFile(dockerfile), dockerfile + " exists");
            Matcher m = copy.matcher(Files.readString(dockerfile));
            while (m.find()) {
                if (m.group(0).contains("--from=")) {
                    continue;
                }
                for (String source : m.group(1).trim().split("\\s+")) {
                    if (source.startsWith("docker/")) {
                        assertTrue(Files.exists(context.resolve(source)), dockerfile + " copies " + source + ", which exists");
                    } else {
                        // built by mvn package: the module must exist
                        assertTrue(Files.isDirectory(context.resolve(source.substring(0, source.indexOf('/')))),
                                dockerfile + " copies " + source + " from a module of this build");
                    }
                    checked.add(source);
                }
            }
        }
        assertFalse(checked.isEmpty(), "the compose file builds images from this repository");
        String ignore = Files.readString(Repo.root().resolve(".dockerignore"));
        for (String source : checked) {
            String dir = source.contains("*") ? source.substring(0, source.lastIndexOf('/') + 1) : source;
            assertTrue(ignore.lines().anyMatch(l -> l.startsWith("!") && (dir + "x").startsWith(l.substring(1).replace("*", ""))
                            || l.equals("!" + source)),
                    ".dockerignore lets " + source + " into the build context");
        }
    }

    @Test
    void postgresRunsWithLogicalWalAndKafkaInKraftMode() {
        String command = compose.service("postgres").path("command").toString();
        assertTrue(command.contains("wal_level=logical"), "postgres command " + command);
        assertTrue(compose.environment("kafka").get("KAFKA_PROCESS_ROLES").contains("controller"), "KRaft: broker and controller");
        assertFalse(compose.raw().path("services").has("zookeeper"), "no ZooKeeper");
        assertTrue(compose.service("kafka").path("image").asText().startsWith("apache/kafka:"), "the official Kafka image");
        assertTrue(compose.service("schema-registry").path("image").asText().startsWith("apicurio/apicurio-registry"),
                "an Apicurio registry");
    }

    @Test
    void theBrokerRecoversAfterAKillAsTheLocalStacksDoes() {
        Map<String, String> env = compose.environment("kafka");
        KafkaBroker.recoverySettings().forEach((key, value) -> assertEquals(value,
                env.get("KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_')), key));
    }

    @Test
    void servicesStartInOrderAfterHealthChecks() {
        for (String longRunning : List.of("postgres", "kafka", "schema-registry", "connect")) {
            assertTrue(compose.service(longRunning).has("healthcheck"), longRunning + " has a health check");
        }
        assertDependsOn("catalog", "postgres", "service_healthy");
        assertDependsOn("connect", "kafka", "service_healthy");
        assertDependsOn("connect", "catalog", "service_completed_successfully");
        assertDependsOn("streams-app", "kafka", "service_healthy");
        assertDependsOn("streams-app", "catalog", "service_completed_successfully");
        assertDependsOn("connectors", "connect", "service_healthy");
    }

    private static void assertDependsOn(String service, String on, String condition) {
        assertEquals(condition, compose.service(service).path("depends_on").path(on).path("condition").asText(),
                service + " starts after " + on + " (" + condition + ")");
    }
}
