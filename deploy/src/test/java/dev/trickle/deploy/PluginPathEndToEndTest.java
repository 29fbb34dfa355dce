package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.cli.LocalStack;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin archives installed as a Connect user installs them: unpacked into a plugin.path of a worker that runs
 * from Kafka's own jars (connect-runtime and its dependencies; besides them only the local stack's child launcher,
 * which holds no connector), with the connectors deployed through its REST API from config/ by the compose stack's
 * one-shot script (by the local stack where the script cannot run); the rest of the local stack (PostgreSQL, broker,
 * streams app) as usual. The README's tour must work.
 */
class PluginPathEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void aPlainConnectWorkerRunsBothConnectorsFromTheirArchives() throws Exception {
        Path plugins = tmp.resolve("plugins");
        for (String kind : List.of("source", "sink")) {
            unzip(Repo.pluginArchive(kind), plugins);
        }
        Path libs = Repo.kafkaWorkerLibs();
        try (var files = Files.list(libs)) {
            List<String> trickle = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("trickle-")).toList();
            assertEquals(List.of(), trickle, "the worker's classpath has no Trickle jar");
        }
        // the compose stack's one-shot deploys the connectors where it can run here (sh, jq, curl); else the stack does
        boolean scripted = DockerScripts.available();
        try (LocalStack stack = LocalStack.builder()
                .workDir(tmp.resolve("stack"))
                .connectClasspath(libs.toAbsolutePath() + "/*")
                .workerConfig("plugin.path", plugins.toAbsolutePath().toString())
                .workerConfig("plugin.discovery", "service_load")
                .deployConnectors(!scripted)
                .timeout(Duration.ofSeconds(180))
                .start()) {
            if (scripted) {
                deployWithTheComposeOneShot(stack);
            }
            Map<String, String> versions = connectorPlugins(stack.connectUrl());
            for (String connector : List.of("dev.trickle.source.TrickleSourceConnector", "dev.trickle.sink.TrickleSinkConnector")) {
                assertTrue(versions.containsKey(connector), "the worker lists " + connector + " from plugin.path: " + versions);
            }
            new TourChecks(stack::connect, Duration.ofSeconds(120)).run();
        }
    }

    /** docker/trickle/bin/deploy-connectors, as the compose stack runs it, with config/'s placeholders from TRICKLE_*. */
    private static void deployWithTheComposeOneShot(LocalStack stack) throws Exception {
        Map<String, String> env = Map.of("TRICKLE_PG_URL", stack.jdbcUrl(), "TRICKLE_PG_USER", stack.pgUser(),
                "TRICKLE_PG_PASSWORD", stack.pgPassword(), "TRICKLE_TOPIC_PREFIX", stack.topicPrefix(),
                "TRICKLE_DEPLOY_TIMEOUT", "180");
        DockerScripts.Result r = DockerScripts.run(env, 240, "deploy-connectors", stack.connectUrl(),
                "config/source-connector.json", "config/sink-connector.json");
        assertEquals(0, r.status(), "deploy-connectors: " + r.out() + r.err());
        assertTrue(r.out().contains("connector trickle-source and its tasks are RUNNING")
                && r.out().contains("connector trickle-sink and its tasks are RUNNING"), r.out());
    }

    /** {@code GET /connector-plugins}: connector class to version. */
    private static Map<String, String> connectorPlugins(String connectUrl) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(connectUrl
                + "/connector-plugins")).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Map<String, String> out = new HashMap<>();
        for (JsonNode p : new ObjectMapper().readTree(r.body())) {
            out.put(p.path("class").asText(), p.path("version").asText());
        }
        return out;
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                Path target = into.resolve(e.getName()).normalize();
                assertTrue(target.startsWith(into), "entry " + e.getName() + " stays inside the plugin directory");
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }
}
