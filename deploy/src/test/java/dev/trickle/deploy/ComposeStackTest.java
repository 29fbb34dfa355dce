package dev.trickle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.cli.Deadline;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The compose stack itself: docker-compose.yml started with Testcontainers (images built from this build's
 * archives and CLI), the connectors deployed by its one-shot, then the README tour against its PostgreSQL. Skipped
 * where no container engine runs (as on the build machines of this project); it needs `mvn package` first, which
 * `mvn verify` does. Host ports are chosen free, so that a PostgreSQL or Kafka already on 5432/9092 does not matter.
 */
@Testcontainers(disabledWithoutDocker = true)
class ComposeStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theTourRunsOnTheComposeStack() throws Exception {
        for (String kind : List.of("source", "sink")) {
            Repo.pluginArchive(kind); // skips the test when the archives are not built (mvn test)
        }
        Assumptions.assumeTrue(Files.isDirectory(Repo.root().resolve("cli/target/lib")),
                "the trickle image copies cli/target/lib, made by mvn package");
        // the compose default is the Avro variant; before it is in the checkout, run the JSON one
        String configDir = Files.isDirectory(Repo.root().resolve("config/avro")) ? "./config/avro" : "./config";
        try (ComposeContainer compose = new ComposeContainer(Repo.composeFile().toFile())
                .withBuild(true)
                .withEnv("TRICKLE_CONFIG_DIR", configDir)
                .withEnv("TRICKLE_PG_PORT", String.valueOf(freePort()))
                .withEnv("TRICKLE_KAFKA_PORT", String.valueOf(freePort()))
                .withEnv("TRICKLE_CONNECT_PORT", String.valueOf(freePort()))
                .withEnv("TRICKLE_REGISTRY_PORT", String.valueOf(freePort()))
                .withEnv("TRICKLE_PROMETHEUS_PORT", String.valueOf(freePort()))
                .withEnv("TRICKLE_GRAFANA_PORT", String.valueOf(freePort()))
                .withRemoveVolumes(true)
                .withExposedService("postgres", 5432, Wait.forHealthcheck())
                .withExposedService("connect", 8083, Wait.forHttp("/connectors").forStatusCode(200))
                .withExposedService("prometheus", 9090, Wait.forHttp("/-/ready").forStatusCode(200))
                .withExposedService("grafana", 3000, Wait.forHttp("/api/health").forStatusCode(200))
                .withStartupTimeout(Duration.ofMinutes(10))) {
            compose.start();
            String connect = "http://" + compose.getServiceHost("connect", 8083) + ":" + compose.getServicePort("connect", 8083);
            for (String connector : List.of("trickle-source", "trickle-sink")) {
                awaitRunning(connect, connector);
            }
            String jdbc = "jdbc:postgresql://" + compose.getServiceHost("postgres", 5432) + ":"
                    + compose.getServicePort("postgres", 5432) + "/trickle";
            new TourChecks(() -> DriverManager.getConnection(jdbc, "postgres", "trickle"), Duration.ofMinutes(3)).run();
            String prometheus = "http://" + compose.getServiceHost("prometheus", 9090) + ":"
                    + compose.getServicePort("prometheus", 9090);
            // the tour's stream tables have applied ticks: each component's metrics reach Prometheus
            for (String series : List.of("trickle_sink_applied_tick", "trickle_streams_output_tick",
                    "trickle_source_last_tick")) {
                awaitJson(prometheus + "/api/v1/query?query=" + series, series + " > 0 in Prometheus",
                        r -> r.path("data").path("result").size() > 0
                                && r.path("data").path("result").get(0).path("value").get(1).asDouble() > 0);
            }
            String grafana = "http://" + compose.getServiceHost("grafana", 3000) + ":" + compose.getServicePort("grafana", 3000);
            awaitJson(grafana + "/api/dashboards/uid/trickle-overview", "the Trickle dashboard provisioned in Grafana",
                    r -> "Trickle".equals(r.path("dashboard").path("title").asText()));
        }
    }

    /** Waits until the one-shot {@code connectors} service has deployed {@code name} and it and its tasks run. */
    private static void awaitRunning(String connectUrl, String name) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Deadline.in(Duration.ofMinutes(3)).await("connector " + name + " RUNNING on the compose stack", () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(connectUrl + "/connectors/" + name
                        + "/status")).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    return null;
                }
                JsonNode s = JSON.readTree(r.body());
                boolean running = "RUNNING".equals(s.path("connector").path("state").asText()) && s.path("tasks").size() > 0;
                for (JsonNode t : s.path("tasks")) {
                    if ("FAILED".equals(t.path("state").asText())) {
                        throw new Deadline.Fatal("task of " + name + " FAILED: " + t.path("trace").asText());
                    }
                    running &= "RUNNING".equals(t.path("state").asText());
                }
                return running ? Boolean.TRUE : null;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits until {@code url} answers 200 with JSON that satisfies {@code done}. */
    private static void awaitJson(String url, String what, java.util.function.Predicate<JsonNode> done) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Deadline.in(Duration.ofMinutes(2)).await(what, () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && done.test(JSON.readTree(r.body())) ? Boolean.TRUE : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
