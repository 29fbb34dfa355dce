package dev.trickle.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A Kafka Connect worker in distributed mode ({@code ConnectDistributed}) in a child JVM, with its
 * REST API on 127.0.0.1. Connector plugins come from the classpath. Connectors are deployed with
 * {@link #deploy}; their configs live in Kafka, so they come back by themselves after a restart.
 */
public final class ConnectWorker implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String COOPERATIVE_STICKY = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
    /**
     * A clean stop takes a few seconds (tasks stopped, offsets committed, the group left); one that takes longer hangs
     * (ChildJvm writes its threads to its log first) and is killed, which {@link #stop()} makes harmless.
     */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    /** Kafka clients' longest reconnect and retry backoff on the local stack (Kafka's default: 1000 ms). */
    static final String CLIENT_BACKOFF_MAX_MS = "250";

    private final Path dir;
    private final String bootstrapServers;
    private final int restPort;
    private final Path propertiesFile;
    private final Map<String, String> config;
    private final ChildJvm child;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private boolean written;
    private volatile BooleanSupplier othersRunning = () -> false;

    private ConnectWorker(Builder b) {
        this.dir = b.dir.toAbsolutePath();
        this.bootstrapServers = b.bootstrapServers;
        this.restPort = b.restPort > 0 ? b.restPort : Ports.free();
        this.propertiesFile = dir.resolve("connect-worker.properties");
        this.config = workerConfig(b);
        this.child = ChildJvm.builder(b.name, "org.apache.kafka.connect.cli.ConnectDistributed")
                .args(propertiesFile.toString())
                .classpath(b.classpath)
                .maxHeap(b.maxHeap)
                .logFile(b.logFile != null ? b.logFile : dir.resolve("connect.log"))
                .stopTimeout(STOP_TIMEOUT)
                .classArchives(b.classArchives)
                .build();
    }

    public static Builder builder(Path dir, String bootstrapServers) {
        return new Builder(dir, bootstrapServers);
    }

    private Map<String, String> workerConfig(Builder b) {
        Map<String, String> p = new TreeMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", b.groupId);
        p.put("config.storage.topic", b.groupId + "-configs");
        p.put("offset.storage.topic", b.groupId + "-offsets");
        p.put("status.storage.topic", b.groupId + "-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "5");
        p.put("status.storage.partitions", "1");
        // the connectors' configs name their converters; this default is the same (docs/record-format.md)
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("key.converter.schemas.enable", "false");
        p.put("value.converter.schemas.enable", "false");
        p.put("exactly.once.source.support", "enabled");
        p.put("connector.client.config.override.policy", "All");
        p.put("listeners", "http://127.0.0.1:" + restPort);
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("rest.advertised.port", String.valueOf(restPort));
        // Plugins are on the worker's classpath, not in a plugin.path: hybrid discovery finds them
        // with or without ServiceLoader manifests (and says which ones lack a manifest).
        p.put("plugin.discovery", "hybrid_warn");
        p.put("offset.flush.interval.ms", "1000");
        // Quick recovery after a worker is killed: its connectors and tasks go to the workers still running (or
        // to it when it comes back) as soon as it has left the group, instead of after a grace period.
        p.put("scheduled.rebalance.max.delay.ms", "0");
        // Session timeouts sized for a restart (docs/consistency.md, Recovery): the coordinator drops a killed worker,
        // and the consumers of its sink tasks, this long after the kill; a worker restarted sooner (4-5 s to start
        // on 2 cores) waits for that before it gets its tasks and they get their partitions. Connect has no static
        // membership for sink tasks (consumer.override.group.instance.id would give every task of a connector the
        // same id), so these timeouts bound the wait. The local broker allows them (group.min.session.timeout.ms).
        p.put("session.timeout.ms", "4000");
        p.put("heartbeat.interval.ms", "1000");
        p.put("consumer.session.timeout.ms", "4000");
        p.put("consumer.heartbeat.interval.ms", "1000");
        p.put("task.shutdown.graceful.timeout.ms", "10000");
        // After a broker restart every client of the worker (its group member and internal topics, the tasks'
        // producers, consumers and admin clients) reconnects within a quarter second: Kafka's default backoffs grow
        // to 1 s while the broker is away, so each step of the way back (metadata, coordinator, transaction) could
        // wait up to a second for nothing. Locally a retry costs next to nothing.
        for (String prefix : List.of("", "producer.", "consumer.", "admin.")) {
            p.put(prefix + "reconnect.backoff.max.ms", CLIENT_BACKOFF_MAX_MS);
            p.put(prefix + "retry.backoff.max.ms", CLIENT_BACKOFF_MAX_MS);
        }
        // The sink reads one single-partition delta topic per stream table. The default RangeAssignor assigns
        // topic by topic, each topic's partition 0 to the first task, so all stream tables would land on one
        // sink task; this one spreads partitions over the tasks and keeps them where they are on a rebalance.
        p.put("consumer.partition.assignment.strategy", COOPERATIVE_STICKY);
        // The source task's producer: a tick's records leave in one transaction whose commit flushes them and makes
        // them visible, so large batches and a linger cost no freshness and save the broker most of its produce
        // requests (the default 16 kB batch holds a handful of records; docs/benchmarks.md, Throughput, sessions 6
        // and 11); lz4 costs the producer less than the bytes it saves the broker (the Kafka floor, session 11).
        p.put("producer.batch.size", "1048576");
        p.put("producer.linger.ms", "100");
        p.put("producer.compression.type", "lz4");
        p.putAll(b.overrides);
        return p;
    }

    public String url() {
        return "http://127.0.0.1:" + restPort;
    }

    public int restPort() {
        return restPort;
    }

    public Path logFile() {
        return child.logFile();
    }

    public ChildJvm process() {
        return child;
    }

    public boolean isRunning() {
        return child.isAlive();
    }

    public Map<String, String> workerConfig() {
        return Map.copyOf(config);
    }

    /** Starts the worker and waits until its REST API answers. */
    public synchronized ConnectWorker start(Duration timeout) throws InterruptedException, TimeoutException {
        Deadline deadline = Deadline.in(timeout);
        if (!written) {
            writeProperties();
            written = true;
        }
        child.start();
        awaitReady(deadline);
        return this;
    }

    private void writeProperties() {
        StringBuilder text = new StringBuilder("# Kafka Connect worker (distributed mode), written by the Trickle local stack\n");
        for (Map.Entry<String, String> e : config.entrySet()) {
            text.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        PrivateFiles.write(propertiesFile, text.toString()); // 0600: a worker config may carry credentials
    }

    private void awaitReady(Deadline deadline) throws InterruptedException, TimeoutException {
        try {
            deadline.await("Kafka Connect REST API at " + url() + " answering", () -> {
                checkAlive();
                HttpResponse<String> health = send(request("/health").GET());
                if (health.statusCode() != 200 && health.statusCode() != 404) {
                    throw new IllegalStateException("GET /health: HTTP " + health.statusCode() + " " + health.body());
                }
                HttpResponse<String> r = send(request("/connectors").GET());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("GET /connectors: HTTP " + r.statusCode() + " " + r.body());
                }
                return Boolean.TRUE;
            });
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException(e.getMessage() + "; " + child.logFile() + ":\n" + child.logTail(40));
            t.initCause(e);
            throw t;
        }
    }

    private void checkAlive() {
        if (!child.isAlive()) {
            throw new Deadline.Fatal("the Kafka Connect worker is not running (exit status "
                    + child.exitCode().orElse(-1) + "); " + child.logFile() + ":\n" + child.logTail(40));
        }
    }

    /**
     * Creates or updates connector {@code name} ({@code PUT /connectors/{name}/config}); retries while
     * the worker is rebalancing. Fails with Connect's message if the config is refused.
     */
    public void deploy(String name, Map<String, String> connectorConfig, Duration timeout)
            throws InterruptedException, TimeoutException {
        String body;
        try {
            body = JSON.writeValueAsString(connectorConfig);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        Deadline.in(timeout).await("deploying connector " + name, () -> {
            checkAlive();
            HttpResponse<String> r = send(request("/connectors/" + encode(name) + "/config")
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
            int code = r.statusCode();
            if (code == 200 || code == 201) {
                return Boolean.TRUE;
            }
            if (code == 409 || code == 503 || (code == 500 && r.body().contains("timed out"))) {
                throw new IllegalStateException("HTTP " + code + " " + r.body()); // rebalancing or starting: retry
            }
            String message = errorMessage(r.body());
            String hint = message.contains("Failed to find any class that implements Connector")
                    ? "\n(the connector's jar is not on the worker's classpath: build the project with mvn install)" : "";
            throw new Deadline.Fatal("Kafka Connect refused connector " + name + " (HTTP " + code + "): "
                    + (message.length() > 600 ? message.substring(0, 600) + "..." : message) + hint);
        });
    }

    /** {@code GET /connectors/{name}/status}, or null if there is no such connector. */
    public JsonNode status(String name) {
        HttpResponse<String> r = send(request("/connectors/" + encode(name) + "/status").GET());
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /connectors/" + name + "/status: HTTP " + r.statusCode() + " " + r.body());
        }
        return parse(r.body());
    }

    /** {@code POST /connectors/{name}/tasks/{id}/restart}: starts a (failed) task again. */
    public void restartTask(String name, int task) {
        HttpResponse<String> r = send(request("/connectors/" + encode(name) + "/tasks/" + task + "/restart")
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() != 204 && r.statusCode() != 200 && r.statusCode() != 202) {
            throw new IllegalStateException("restarting task " + task + " of connector " + name + ": HTTP "
                    + r.statusCode() + " " + r.body());
        }
    }

    /** Names of the deployed connectors. */
    public List<String> connectors() {
        HttpResponse<String> r = send(request("/connectors").GET());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /connectors: HTTP " + r.statusCode() + " " + r.body());
        }
        List<String> names = new ArrayList<>();
        parse(r.body()).forEach(n -> names.add(n.asText()));
        return names;
    }

    /** Deletes a connector (no error if it does not exist). */
    public void delete(String name) {
        HttpResponse<String> r = send(request("/connectors/" + encode(name)).DELETE());
        if (r.statusCode() != 204 && r.statusCode() != 200 && r.statusCode() != 404) {
            throw new IllegalStateException("DELETE /connectors/" + name + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    /**
     * Waits until the connector and all of its tasks (at least one) are RUNNING; fails at once with the
     * worker's stack trace if one of them is FAILED.
     */
    public void awaitRunning(String name, Duration timeout) throws InterruptedException, TimeoutException {
        Deadline.in(timeout).await("connector " + name + " and its tasks RUNNING", () -> {
            checkAlive();
            JsonNode s = status(name);
            if (s == null) {
                throw new IllegalStateException("connector " + name + " is not deployed (yet)");
            }
            JsonNode connector = s.path("connector");
            if ("FAILED".equals(connector.path("state").asText())) {
                throw new Deadline.Fatal("connector " + name + " FAILED:\n" + connector.path("trace").asText());
            }
            for (JsonNode task : s.path("tasks")) {
                if ("FAILED".equals(task.path("state").asText())) {
                    throw new Deadline.Fatal("task " + task.path("id").asText() + " of connector " + name
                            + " FAILED:\n" + task.path("trace").asText());
                }
            }
            boolean running = "RUNNING".equals(connector.path("state").asText()) && s.path("tasks").size() > 0;
            for (JsonNode task : s.path("tasks")) {
                running &= "RUNNING".equals(task.path("state").asText());
            }
            if (!running) {
                throw new IllegalStateException("status: " + s);
            }
            return Boolean.TRUE;
        });
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka Connect at " + url() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unexpected answer from Kafka Connect: " + body, e);
        }
    }

    private static String errorMessage(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n.has("message")) {
                return n.get("message").asText();
            }
        } catch (JsonProcessingException ignored) {
            // not JSON: show as is
        }
        return body;
    }

    /**
     * Graceful stop; a worker that does not stop within {@link #STOP_TIMEOUT} is killed, and the transactions its source
     * tasks left open are aborted then (unless another worker of the group runs), as before a restart: else the next
     * start on the same data (--keep) would wait until they time out.
     */
    public synchronized void stop() {
        boolean running = child.isAlive();
        child.stop();
        if (running && child.exitCode().orElse(0) == 137 && !othersRunning.getAsBoolean()) {
            try {
                ZombieTransactions.fenceBeforeRestart(child, bootstrapServers, config.get("group.id"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGKILL, as in a crash. */
    public synchronized void kill() {
        child.kill();
    }

    /**
     * Starts again (after a stop or kill) and waits until the REST API answers. After a kill, and unless another
     * worker of the group runs, the transactions its source tasks left open are aborted first (ZombieTransactions).
     */
    public synchronized ConnectWorker restart(Duration timeout) throws InterruptedException, TimeoutException {
        boolean down = !child.isAlive();
        stop(); // a worker that has to be killed here gets its transactions aborted too
        if (down && !othersRunning.getAsBoolean()) {
            ZombieTransactions.fenceBeforeRestart(child, bootstrapServers, config.get("group.id"));
        }
        return start(timeout);
    }

    /** Tells the worker whether another worker of its group runs (then that one fences what this one left). */
    void othersRunning(BooleanSupplier value) {
        this.othersRunning = value;
    }

    @Override
    public void close() {
        stop();
    }

    public static final class Builder {
        private final Path dir;
        private final String bootstrapServers;
        private String classpath;
        private String maxHeap = "768m";
        private Path logFile;
        private int restPort;
        private String groupId = "trickle-connect";
        private String name = "kafka-connect";
        private final Map<String, String> overrides = new TreeMap<>();
        private ClassArchives classArchives = ClassArchives.none();

        private Builder(Path dir, String bootstrapServers) {
            this.dir = dir;
            this.bootstrapServers = bootstrapServers;
        }

        public Builder classpath(String value) {
            this.classpath = value;
            return this;
        }

        public Builder maxHeap(String value) {
            this.maxHeap = value;
            return this;
        }

        public Builder logFile(Path value) {
            this.logFile = value;
            return this;
        }

        public Builder restPort(int value) {
            this.restPort = value;
            return this;
        }

        /** Worker group id; also the prefix of its config, offset and status topics. */
        public Builder groupId(String value) {
            this.groupId = value;
            return this;
        }

        Builder classArchives(ClassArchives value) {
            this.classArchives = value;
            return this;
        }

        /** The worker's name in logs and messages (default kafka-connect). */
        public Builder name(String value) {
            this.name = value;
            return this;
        }

        /** An extra or changed worker setting. */
        public Builder config(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public Builder configs(Map<String, String> values) {
            overrides.putAll(values);
            return this;
        }

        public ConnectWorker build() {
            return new ConnectWorker(this);
        }

        public ConnectWorker start(Duration timeout) throws InterruptedException, TimeoutException {
            return build().start(timeout);
        }
    }
}
