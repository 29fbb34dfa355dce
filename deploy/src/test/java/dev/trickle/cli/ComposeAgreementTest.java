package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.deploy.ComposeFile;
import dev.trickle.deploy.Repo;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack and the local stack run the same Trickle: the compose file deploys the connectors from config/
 * (the files ./trickle local deploys) and fills every placeholder they have, with the local stack's topic prefix;
 * its Connect worker has the local worker's settings; converters come from config/ alone in both. (In package
 * dev.trickle.cli for the local stack's defaults.)
 */
class ComposeAgreementTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    /** Worker settings that differ in containers by nature: addresses, and plugins from plugin.path (ConnectWorker). */
    private static final Set<String> CONTAINER_ONLY = Set.of("bootstrap.servers", "listeners", "rest.advertised.host.name",
            "rest.advertised.port", "plugin.discovery", "plugin.path");

    private static ComposeFile compose;

    @BeforeAll
    static void load() throws IOException {
        compose = ComposeFile.load(Repo.composeFile());
    }

    @Test
    void composeDeploysTheConnectorsFromConfigAsTheLocalStackDoes() {
        List<String> command = new ArrayList<>();
        compose.service("connectors").path("command").forEach(n -> command.add(n.asText()));
        assertEquals(List.of("http://connect:8083", "/etc/trickle/config/" + ConfigFiles.SOURCE_CONNECTOR,
                "/etc/trickle/config/" + ConfigFiles.SINK_CONNECTOR), command, "the one-shot deploys both config files");
        for (String service : List.of("connectors", "streams-app")) {
            String mount = compose.configMount(service);
            assertTrue(mount.equals("./config") || mount.equals("./config/avro"),
                    service + " mounts config/ or its Avro variant, not " + mount);
        }
        assertEquals(compose.configMount("connectors"), compose.configMount("streams-app"),
                "connectors and streams app run on the same config variant (same converters)");
    }

    @Test
    void composeDefaultConfigDirectoryHasTheStacksThreeFiles() {
        Path dir = Repo.root().resolve(compose.configMount("streams-app")).normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir), dir + " is not in this checkout yet (the Avro variant of config/)");
        for (String file : List.of(ConfigFiles.SOURCE_CONNECTOR, ConfigFiles.SINK_CONNECTOR, ConfigFiles.STREAMS_APP)) {
            assertTrue(Files.isRegularFile(dir.resolve(file)), dir.resolve(file) + " exists");
        }
    }

    @Test
    void composeFillsEveryPlaceholderOfTheConfigItMounts() throws IOException {
        for (Path dir : configVariants()) {
            for (String service : List.of("connectors", "streams-app")) {
                Map<String, String> env = compose.environment(service);
                List<String> files = service.equals("connectors")
                        ? List.of(ConfigFiles.SOURCE_CONNECTOR, ConfigFiles.SINK_CONNECTOR) : List.of(ConfigFiles.STREAMS_APP);
                for (String file : files) {
                    for (String name : placeholders(dir.resolve(file))) {
                        String variable = "TRICKLE_" + name.toUpperCase().replace('.', '_').replace('-', '_');
                        assertTrue(env.containsKey(variable), "compose service " + service + " sets " + variable + " for ${"
                                + name + "} in " + dir.getFileName() + "/" + file);
                    }
                }
            }
        }
    }

    @Test
    void composeUsesTheLocalStacksTopicPrefixAndItsOwnServices() {
        Map<String, String> env = compose.environment("streams-app");
        assertEquals(LocalStack.builder().topicPrefix, env.get("TRICKLE_TOPIC_PREFIX"),
                "same topic prefix, so the same topic names as ./trickle local");
        assertEquals(withoutPassword(env), withoutPassword(compose.environment("connectors")),
                "connectors and streams app get the same values (but the password: a reference for the worker)");
        assertEquals("${env:TRICKLE_PG_PASSWORD}", compose.environment("connectors").get("TRICKLE_PG_PASSWORD"),
                "the connectors get a reference the worker resolves, not the password");
        assertTrue(env.get("TRICKLE_PG_URL").contains("//postgres:5432/"), "the compose PostgreSQL: " + env.get("TRICKLE_PG_URL"));
        assertTrue(env.get("TRICKLE_BOOTSTRAP_SERVERS").startsWith("kafka:"), "the compose broker");
        assertTrue(env.get("TRICKLE_REGISTRY_URL").startsWith("http://schema-registry:8080/"), "the compose registry");
    }

    @Test
    void composeWorkerHasTheLocalWorkersSettings(@TempDir Path tmp) throws IOException {
        Properties compose = new Properties();
        compose.load(new StringReader(Files.readString(Repo.root()
                .resolve("docker/connect/connect-distributed.properties"))));
        Map<String, String> local = new TreeMap<>(ConnectWorker.builder(tmp, "127.0.0.1:9092").build().workerConfig());
        Map<String, String> theirs = new TreeMap<>();
        compose.stringPropertyNames().forEach(k -> theirs.put(k, compose.getProperty(k)));
        CONTAINER_ONLY.forEach(k -> {
            local.remove(k);
            theirs.remove(k);
        });
        // the password: the local stack's FileConfigProvider (ConnectorSecrets), the compose stack's environment
        theirs.keySet().removeIf(k -> k.startsWith("config.providers"));
        assertEquals(local, theirs, "docker/connect/connect-distributed.properties has the local worker's settings");
        assertEquals("/opt/trickle/plugins", compose.getProperty("plugin.path"), "the plugins come from plugin.path");
    }

    @Test
    void convertersComeFromConfigAloneInBothStacks() {
        for (String service : List.of("connect", "connectors", "streams-app")) {
            compose.environment(service).keySet().forEach(k -> assertTrue(!k.contains("CONVERTER"),
                    "compose service " + service + " sets no converter of its own (" + k + "): config/ decides"));
        }
    }

    private static Map<String, String> withoutPassword(Map<String, String> env) {
        Map<String, String> m = new TreeMap<>(env);
        m.remove("TRICKLE_PG_PASSWORD");
        m.remove("TRICKLE_JAVA_OPTS");
        return m;
    }

    /** config/, and config/avro/ where this checkout has it (it comes with the Avro part of the issue). */
    private static List<Path> configVariants() {
        Path root = Repo.root();
        List<Path> dirs = new ArrayList<>(List.of(root.resolve("config")));
        if (Files.isRegularFile(root.resolve("config/avro").resolve(ConfigFiles.SOURCE_CONNECTOR))) {
            dirs.add(root.resolve("config/avro"));
        }
        return dirs;
    }

    private static Set<String> placeholders(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(Files.readString(file));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
