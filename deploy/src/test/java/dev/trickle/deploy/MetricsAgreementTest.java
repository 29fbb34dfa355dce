package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.core.metrics.TrickleMetric;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metrics' names agree everywhere a user meets them: the real Prometheus JMX exporter agent, with the
 * compose stack's rules (docker/prometheus/jmx-exporter.yml), turns every MBean the code registers (see
 * {@link MetricsFixture}; each module's tests check that the code registers exactly {@link TrickleMetric}'s names)
 * into the Prometheus series docs/metrics.md documents, and every series the Grafana dashboard queries is one of
 * them. A renamed metric, rule or panel query fails here.
 */
class MetricsAgreementTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? (\\S+)");
    private static final Pattern SERIES = Pattern.compile("\\btrickle_[a-z0-9_]+");
    private static Process fixture;
    /** Per Prometheus name, the label sets and values scraped from the exporter ("labels" -> value). */
    private static final Map<String, Map<String, Double>> scraped = new HashMap<>();

    @BeforeAll
    static void scrapeTheExporter() throws Exception {
        Path agent = Path.of(System.getProperty("trickle.jmx.exporter", "target/jmx-exporter/jmx_prometheus_javaagent.jar"));
        assertTrue(Files.isRegularFile(agent), agent + " is copied in generate-test-resources: run the tests through Maven");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path rules = Repo.root().resolve("docker/prometheus/jmx-exporter.yml");
        fixture = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + agent + "=127.0.0.1:" + port + ":" + rules, "-cp", System.getProperty("java.class.path"),
                MetricsFixture.class.getName()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(fixture.getInputStream(), StandardCharsets.UTF_8));
        String line;
        List<String> said = new ArrayList<>();
        while ((line = out.readLine()) != null && !line.equals("ready")) {
            said.add(line);
        }
        assertEquals("ready", line, "the fixture JVM with the exporter agent started: " + said);
        parse(scrape(port));
    }

    @AfterAll
    static void stopFixture() throws InterruptedException {
        if (fixture != null) {
            fixture.destroy();
            if (!fixture.waitFor(10, TimeUnit.SECONDS)) {
                fixture.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        long deadline = System.currentTimeMillis() + 30_000;
        IOException last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("trickle_")) {
                    return r.body();
                }
            } catch (IOException e) {
                last = e; // the agent's server is not up yet
            }
            Thread.sleep(100); // between attempts at a server that is starting: the loop's deadline bounds it
        }
        throw new AssertionError("the exporter agent served no trickle_ metric on port " + port + " within 30 s", last);
    }

    private static void parse(String body) {
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find()) {
                scraped.computeIfAbsent(m.group(1), k -> new HashMap<>())
                        .put(m.group(3) == null ? "" : m.group(3), Double.parseDouble(m.group(4)));
            }
        }
    }

    private static String labels(TrickleMetric m) {
        String connector = MetricsFixture.CONNECTOR + "-" + m.component.prometheus;
        return switch (m.component) {
            case STREAMS -> "stream_table=\"" + MetricsFixture.STREAM_TABLE + "\"";
            case SINK -> "connector=\"" + connector + "\",stream_table=\"" + MetricsFixture.STREAM_TABLE + "\",task=\"0\"";
            case SOURCE -> m.tag == null ? "connector=\"" + connector + "\",task=\"0\""
                    : "connector=\"" + connector + "\",source=\"" + MetricsFixture.SOURCE + "\",task=\"0\"";
        };
    }

    @Test
    void everyMetricReachesPrometheusUnderItsDocumentedNameAndLabels() {
        for (TrickleMetric m : TrickleMetric.values()) {
            Map<String, Double> series = scraped.get(m.prometheusName());
            assertTrue(series != null, m + " (MBean attribute " + m.metricName + ") is exported as " + m.prometheusName()
                    + "; the exporter gave " + new TreeSet<>(trickleSeries()));
            Map<String, Double> sorted = new HashMap<>();
            series.forEach((labels, value) -> sorted.put(sortLabels(labels), value));
            assertEquals(Map.of(labels(m), (double) (m.ordinal() + 1)), sorted, m.prometheusName() + "'s labels and value");
        }
        assertEquals(TrickleMetric.values().length, trickleSeries().size(), "no series but the documented ones: "
                + trickleSeries());
    }

    @Test
    void theDashboardQueriesOnlySeriesThatExist() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Repo.root().resolve("docker/grafana/dashboards/trickle.json").toFile());
        Set<String> queried = new TreeSet<>();
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            expressions.add(variable.path("definition").asText());
        }
        for (String expr : expressions) {
            Matcher m = SERIES.matcher(expr);
            while (m.find()) {
                queried.add(m.group());
            }
        }
        assertTrue(queried.size() >= 20, "the dashboard shows most of Trickle's metrics: " + queried);
        Set<String> missing = new TreeSet<>(queried);
        missing.removeAll(trickleSeries());
        assertEquals(Set.of(), missing, "series the dashboard queries that the exporter does not give");
        for (TrickleMetric.Component c : TrickleMetric.Component.values()) {
            assertTrue(queried.stream().anyMatch(q -> q.startsWith("trickle_" + c.prometheus + "_")),
                    "the dashboard shows the " + c + " metrics");
        }
    }

    @Test
    void theDashboardReadsTheProvisionedPrometheus() throws IOException {
        String datasources = Files.readString(Repo.root().resolve("docker/grafana/provisioning/datasources/prometheus.yml"));
        JsonNode dashboard = new ObjectMapper().readTree(Repo.root().resolve("docker/grafana/dashboards/trickle.json").toFile());
        Set<String> uids = new TreeSet<>();
        dashboard.findValues("datasource").forEach(d -> uids.add(d.path("uid").asText()));
        assertEquals(Set.of("trickle-prometheus"), uids);
        assertTrue(datasources.contains("uid: trickle-prometheus") && datasources.contains("url: http://prometheus:9090"),
                datasources);
        String provider = Files.readString(Repo.root().resolve("docker/grafana/provisioning/dashboards/trickle.yml"));
        ComposeFile compose = ComposeFile.load(Repo.composeFile());
        String grafanaVolumes = compose.service("grafana").path("volumes").toString();
        assertTrue(provider.contains("path: /var/lib/grafana/dashboards")
                && grafanaVolumes.contains("./docker/grafana/dashboards:/var/lib/grafana/dashboards"), grafanaVolumes);
    }

    @Test
    void prometheusScrapesTheAgentsTheComposeStackRuns() throws IOException {
        ComposeFile compose = ComposeFile.load(Repo.composeFile());
        String agent = "-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=9404:/opt/jmx-exporter/jmx-exporter.yml";
        assertTrue(compose.environment("connect").get("KAFKA_OPTS").contains(agent), "the Connect worker runs the agent");
        assertTrue(compose.environment("streams-app").get("TRICKLE_JAVA_OPTS").contains(agent), "the streams app runs it");
        for (String dockerfile : List.of("docker/connect/Dockerfile", "docker/trickle/Dockerfile")) {
            String text = Files.readString(Repo.root().resolve(dockerfile));
            assertTrue(text.contains("/opt/jmx-exporter/jmx_prometheus_javaagent.jar")
                    && text.contains("COPY docker/prometheus/jmx-exporter.yml /opt/jmx-exporter/jmx-exporter.yml"),
                    dockerfile + " puts the agent and its rules where the compose file names them");
        }
        String prometheus = Files.readString(Repo.root().resolve("docker/prometheus/prometheus.yml"));
        for (String target : List.of("connect:9404", "streams-app:9404")) {
            assertTrue(prometheus.contains("\"" + target + "\""), "prometheus.yml scrapes " + target);
        }
        assertTrue(compose.service("prometheus").path("volumes").toString()
                .contains("./docker/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml"));
    }

    @Test
    void docsNameEveryMetric() throws IOException {
        String docs = Files.readString(Repo.root().resolve("docs/metrics.md"));
        List<String> missing = new ArrayList<>();
        for (TrickleMetric m : TrickleMetric.values()) {
            if (!docs.contains("`" + m.metricName + "`") || !docs.contains(m.prometheusName())) {
                missing.add(m.metricName + " / " + m.prometheusName());
            }
        }
        assertEquals(List.of(), missing, "metrics docs/metrics.md does not name (attribute and Prometheus name)");
        for (TrickleMetric.Component c : TrickleMetric.Component.values()) {
            assertTrue(docs.contains(c.domain) && docs.contains("type=" + c.group), "docs/metrics.md names the MBeans of " + c);
        }
        assertFalse(docs.isBlank());
    }

    private static Set<String> trickleSeries() {
        Set<String> out = new TreeSet<>();
        // the registry's own count of metrics (kafka-metrics-count) goes through the exporter's default rule
        scraped.keySet().stream().filter(n -> n.startsWith("trickle_") && !n.contains("kafka_metrics_count"))
                .forEach(out::add);
        return out;
    }

    private static String sortLabels(String labels) {
        if (labels.isEmpty()) {
            return labels;
        }
        List<String> parts = new ArrayList<>(List.of(labels.split(",(?=[a-z_]+=)")));
        parts.sort(null);
        return String.join(",", parts);
    }
}
