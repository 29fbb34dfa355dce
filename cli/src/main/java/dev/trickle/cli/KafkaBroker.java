package dev.trickle.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka in child JVMs: a broker and, in a process of its own, its controller. Data, config and
 * logs live under one directory; the ports stay the same across {@link #restart()}.
 *
 * <p>Why two processes (docs/consistency.md, Recovery after a crash): a controller that starts again treats every
 * broker it finds registered as alive for a full {@code broker.session.timeout.ms}, so a broker and controller in one
 * process, killed and restarted, had its new registration refused until its own old session expired (3-4.5 s of
 * every broker restart, plus the controller's own start). A controller that stays up has let the killed broker's
 * session lapse by the time the broker's JVM has started, and registers it at once. Storage kept from a stack that
 * ran both roles in one process ({@code --keep}) runs that way still.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final Path propertiesFile;
    private final ChildJvm child;
    /** The controller's process; null where storage kept from before runs broker and controller in one process. */
    private final ChildJvm controller;
    private final Map<String, String> overrides;
    private final String classpath;
    private boolean formatted;

    private KafkaBroker(Builder b) {
        this.dir = b.dir.toAbsolutePath();
        int[] ports = Ports.free(2);
        this.port = b.port > 0 ? b.port : ports[0];
        this.controllerPort = b.controllerPort > 0 ? b.controllerPort : ports[1] != this.port ? ports[1] : ports[0];
        this.clusterId = Uuid.randomUuid().toString();
        this.propertiesFile = dir.resolve("server.properties");
        this.overrides = b.overrides;
        this.classpath = b.classpath != null ? b.classpath : ChildJvmDefaults.classpath();
        this.child = ChildJvm.builder("kafka-broker", "kafka.Kafka")
                .args(propertiesFile.toString())
                .classpath(classpath)
                .maxHeap(b.maxHeap)
                .logFile(b.logFile != null ? b.logFile : dir.resolve("broker.log"))
                .stopTimeout(Duration.ofSeconds(30))
                .classArchives(b.classArchives)
                .build();
        boolean combinedStorage = Files.exists(dir.resolve("data").resolve("meta.properties"))
                && !Files.exists(controllerDir().resolve("meta.properties"));
        Path brokerLog = child.logFile();
        this.controller = combinedStorage ? null : ChildJvm.builder("kafka-controller", "kafka.Kafka")
                .args(dir.resolve("controller.properties").toString())
                .classpath(classpath)
                .maxHeap("256m")
                .logFile(brokerLog.resolveSibling("controller.log"))
                .stopTimeout(Duration.ofSeconds(30))
                .build();
    }

    private Path controllerDir() {
        return dir.resolve("controller");
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dir() {
        return dir;
    }

    public Path logFile() {
        return child.logFile();
    }

    public ChildJvm process() {
        return child;
    }

    /** The controller's process, unless broker and controller share one (storage kept from before). */
    public java.util.Optional<ChildJvm> controllerProcess() {
        return java.util.Optional.ofNullable(controller);
    }

    /** Whether the broker (and its controller) run. */
    public boolean isRunning() {
        return child.isAlive() && (controller == null || controller.isAlive());
    }

    /** Client settings to reach this broker. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** Writes the config, formats the storage (first time only), starts the broker and waits until it answers. */
    public synchronized KafkaBroker start(Duration timeout) throws InterruptedException, TimeoutException {
        Deadline deadline = Deadline.in(timeout);
        if (!formatted) {
            writeProperties();
            // storage kept from an earlier run (--keep) is not formatted again: it keeps its own cluster id
            List<Path> unformatted = new ArrayList<>();
            if (controller != null && !Files.exists(controllerDir().resolve("meta.properties"))) {
                unformatted.add(dir.resolve("controller.properties"));
            }
            if (!Files.exists(dir.resolve("data").resolve("meta.properties"))) {
                unformatted.add(propertiesFile);
            }
            KafkaStorageFormat.formatAll(unformatted, clusterId, classpath, dir, deadline);
            formatted = true;
        }
        // both at once: the broker retries until its controller listens, and the JVMs start in parallel
        boolean controllerStarts = controller != null && !controller.isAlive();
        if (controllerStarts) {
            controller.start();
        }
        child.start();
        if (controllerStarts) {
            awaitPort(controller, controllerPort, deadline);
        }
        awaitReady(deadline);
        return this;
    }

    /** The broker's properties and, unless the storage says the roles share a process, the controller's. */
    private void writeProperties() {
        Map<String, String> common = commonProperties();
        Map<String, String> p = new TreeMap<>(common);
        String voters = (controller == null ? "1" : "2") + "@127.0.0.1:" + controllerPort;
        p.put("node.id", "1");
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("controller.quorum.voters", voters);
        p.put("log.dirs", dir.resolve("data").toString());
        if (controller == null) {
            p.put("process.roles", "broker,controller");
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        } else {
            p.put("process.roles", "broker");
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
            // the controller creates the topics: Kafka 4 warns that a broker's defaults for them will be ignored
            p.remove("num.partitions");
            p.remove("default.replication.factor");
            Map<String, String> c = new TreeMap<>(common);
            c.put("process.roles", "controller");
            c.put("node.id", "2");
            c.put("listeners", "CONTROLLER://127.0.0.1:" + controllerPort);
            c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
            c.put("controller.listener.names", "CONTROLLER");
            c.put("controller.quorum.voters", voters);
            c.put("log.dirs", controllerDir().toString());
            write(dir.resolve("controller.properties"), c, "KRaft controller");
        }
        write(propertiesFile, p, controller == null ? "KRaft broker and controller" : "KRaft broker");
    }

    /**
     * What makes a killed broker serve again within seconds; docker-compose.yml's broker has the same (a deploy test
     * compares them).
     */
    public static Map<String, String> recoverySettings() {
        Map<String, String> p = new TreeMap<>();
        // After a kill every log is recovered (read again, its indexes rebuilt) from its recovery point before the
        // broker serves: 74 logs on the test stack, 1.7-9 s on one thread. Two threads use both cores. Kafka's
        // defaults advance a log's recovery point only when a segment rolls (64 MB here), so each restart read every
        // record written since the stack started, and the kill an hour in took longer than the one a minute in; a
        // flush every 5 s (recovery points written to disk as often) bounds what a restart reads to the last seconds.
        // The fsyncs come from a background thread, at most one per log that changed, every 5 s.
        p.put("num.recovery.threads.per.data.dir", "2");
        p.put("log.flush.interval.ms", "5000");
        p.put("log.flush.scheduler.interval.ms", "1000");
        p.put("log.flush.offset.checkpoint.interval.ms", "5000");
        // The group and transaction coordinators read their whole topic partition when the broker comes back; with
        // Kafka's 100 MB segments nothing of it is ever compacted on a local stack, so that read grew with the
        // stack's age (every exactly-once commit adds to both). 4 MB segments let the cleaner compact them.
        p.put("offsets.topic.segment.bytes", String.valueOf(4 * 1024 * 1024));
        p.put("transaction.state.log.segment.bytes", String.valueOf(4 * 1024 * 1024));
        // After a kill, the restarted broker waits until the controller fences its old session: keep that short.
        p.put("broker.session.timeout.ms", "3000");
        p.put("broker.heartbeat.interval.ms", "500");
        return p;
    }

    /**
     * Settings of both roles (the controller creates topics with these defaults and fences brokers by the
     * session), then the overrides; the roles' own listeners, ids and directories are set after them.
     */
    private Map<String, String> commonProperties() {
        Map<String, String> p = new TreeMap<>();
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Kafka's default minimum (6 s) would refuse the Connect worker's 4 s session timeouts (ConnectWorker), which
        // bound how long a restarted worker waits for its killed predecessor to leave the groups.
        p.put("group.min.session.timeout.ms", "1000");
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.putAll(recoverySettings());
        p.put("background.threads", "2");
        p.putAll(overrides);
        return p;
    }

    private void write(Path file, Map<String, String> p, String what) {
        try {
            Files.createDirectories(dir.resolve("data"));
            try (Writer w = Files.newBufferedWriter(file)) {
                w.write("# single-node " + what + ", written by the Trickle local stack\n");
                for (Map.Entry<String, String> e : p.entrySet()) {
                    w.write(e.getKey() + "=" + e.getValue() + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /** Waits until {@code process} listens on {@code port} (a plain connect: no client logs a refused connection). */
    private static void awaitPort(ChildJvm process, int port, Deadline deadline) throws InterruptedException,
            TimeoutException {
        try {
            deadline.await(process.name() + " port " + port + " open", () -> {
                if (!process.isAlive()) {
                    throw new Deadline.Fatal(process.name() + " exited (status " + process.exitCode().orElse(-1) + "); "
                            + process.logFile() + ":\n" + process.logTail(40));
                }
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    return Boolean.TRUE;
                } catch (IOException e) {
                    throw new IllegalStateException("port " + port + " not open yet");
                }
            });
        } catch (TimeoutException e) {
            process.kill();
            TimeoutException t = new TimeoutException(e.getMessage() + "; " + process.logFile() + ":\n"
                    + process.logTail(40));
            t.initCause(e);
            throw t;
        }
    }

    private void awaitReady(Deadline deadline) throws InterruptedException, TimeoutException {
        Properties props = clientProperties();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        awaitPort(child, port, deadline);
        try {
            try (Admin admin = Admin.create(props)) {
                deadline.await("Kafka broker at " + bootstrapServers() + " answering", () -> {
                    checkAlive();
                    try {
                        return admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty() ? null : Boolean.TRUE;
                    } catch (Exception e) {
                        if (e instanceof InterruptedException) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                });
            }
        } catch (TimeoutException e) {
            child.kill();
            TimeoutException t = new TimeoutException(e.getMessage() + "; " + child.logFile() + ":\n" + child.logTail(40));
            t.initCause(e);
            throw t;
        }
    }

    private void checkAlive() {
        if (!child.isAlive()) {
            throw new Deadline.Fatal("the Kafka broker exited (status " + child.exitCode().orElse(-1) + "); "
                    + child.logFile() + ":\n" + child.logTail(40));
        }
    }

    /** Graceful stop (controlled shutdown: the broker first, while its controller still answers). */
    public synchronized void stop() {
        child.stop();
        if (controller != null) {
            controller.stop();
        }
    }

    /** SIGKILL of the broker, as in a crash (its controller, a process of its own, goes on). */
    public synchronized void kill() {
        child.kill();
    }

    /**
     * Starts again on the same ports and data after {@link #stop()} or {@link #kill()}: a running broker is stopped
     * first, unless only its controller had stopped (then the controller alone starts again).
     */
    public synchronized KafkaBroker restart(Duration timeout) throws InterruptedException, TimeoutException {
        if (controller != null && !controller.isAlive() && child.isAlive()) {
            Deadline deadline = Deadline.in(timeout);
            controller.start();
            awaitPort(controller, controllerPort, deadline);
            return this;
        }
        child.stop();
        return start(timeout);
    }

    @Override
    public void close() {
        stop();
    }

    public static final class Builder {
        private final Path dir;
        private String classpath;
        private String maxHeap = "512m";
        private Path logFile;
        private int port;
        private int controllerPort;
        private final Map<String, String> overrides = new TreeMap<>();
        private ClassArchives classArchives = ClassArchives.none();

        private Builder(Path dir) {
            this.dir = dir;
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

        /** A fixed client port (default: a free one). */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** A fixed controller port (default: a free one). */
        public Builder controllerPort(int value) {
            this.controllerPort = value;
            return this;
        }

        Builder classArchives(ClassArchives value) {
            this.classArchives = value;
            return this;
        }

        /** An extra or changed broker setting. */
        public Builder config(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public Builder configs(Map<String, String> values) {
            overrides.putAll(values);
            return this;
        }

        public KafkaBroker build() {
            return new KafkaBroker(this);
        }

        public KafkaBroker start(Duration timeout) throws InterruptedException, TimeoutException {
            return build().start(timeout);
        }
    }
}
