package dev.trickle.cli;

import dev.trickle.core.catalog.CatalogInstaller;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Everything Trickle needs on one machine: PostgreSQL (embedded, or external by URL), a single-node
 * KRaft Kafka broker, a Kafka Connect worker running the source and sink connectors, and the streams
 * app. Brokers, worker and app are child JVMs (see {@link ChildJvm}); their logs, configs and data are
 * under {@link #workDir()}.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.builder().start()) {
 *     try (Connection c = stack.connect()) { ... }
 *     stack.killConnect();
 *     stack.restartConnect();
 * }
 * }</pre>
 *
 * Shutdown order: streams app, Connect, broker, PostgreSQL. The broker, Connect and streams data (and
 * the embedded PostgreSQL's) are deleted at close unless {@link Builder#keep(boolean)}; logs stay.
 */
public final class LocalStack implements AutoCloseable {
    public static final String STREAMS_MAIN = "dev.trickle.streams.runtime.StreamsMain";
    private static final DateTimeFormatter DIR_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Builder cfg;
    private final Path workDir;
    private final Progress progress;
    private Postgres postgres;
    private KafkaBroker broker;
    private ConnectWorker connect;
    private ChildJvm streams;
    private ConfigFiles.Connector sourceConnector;
    private ConfigFiles.Connector sinkConnector;
    private Path streamsProperties;
    private AutoCloseable shutdownCloser;
    private volatile boolean closing;
    private boolean closed;

    private LocalStack(Builder b) {
        this.cfg = b;
        this.workDir = (b.workDir != null ? b.workDir : defaultWorkDir()).toAbsolutePath().normalize();
        this.progress = new Progress(b.progress);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static LocalStack shared;
    private static Exception sharedFailure;

    /**
     * One stack per JVM for the end-to-end tests of a run: started with the defaults on first use (work
     * dir {@code .trickle/local-<timestamp>} under the current directory), stopped when the JVM exits.
     * Do not close it. If it failed to start, every later call fails with the same error at once.
     */
    public static synchronized LocalStack shared() throws Exception {
        if (sharedFailure != null) {
            throw new IllegalStateException("the shared local stack failed to start: " + sharedFailure.getMessage(),
                    sharedFailure);
        }
        if (shared == null) {
            try {
                shared = builder().start();
            } catch (Exception e) {
                sharedFailure = e;
                throw e;
            }
        }
        return shared;
    }

    /** {@code .trickle/local-<timestamp>} under the current directory (a fresh one). */
    public static Path defaultWorkDir() {
        Path base = Path.of(".trickle");
        String stamp = "local-" + LocalDateTime.now().format(DIR_STAMP);
        Path dir = base.resolve(stamp);
        for (int i = 2; Files.exists(dir); i++) {
            dir = base.resolve(stamp + "-" + i);
        }
        return dir;
    }

    private LocalStack start() throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(logs());
        shutdownCloser = ChildJvm.onShutdown(this);
        try {
            ConfigFiles configs = ConfigFiles.locate(cfg.configDir);
            if (cfg.externalPg != null) {
                postgres = progress.step("connecting to PostgreSQL at " + cfg.externalPg.display(),
                        () -> Postgres.external(cfg.externalPg));
            } else {
                postgres = progress.step("starting PostgreSQL",
                        () -> Postgres.startEmbedded(workDir.resolve("pg-data"), logs().resolve("postgres.log"), !cfg.keep,
                                savedPort("pg.port")));
            }
            if (cfg.installCatalog) {
                String version = progress.step("installing the Trickle catalog",
                        () -> CatalogInstaller.install(postgres.jdbcUrl(), postgres.user(), postgres.password()));
                progress.line("  catalog version " + version);
            }
            broker = progress.step("starting Kafka broker", () -> KafkaBroker.builder(workDir.resolve("kafka"))
                    .port(savedPort("kafka.port"))
                    .controllerPort(savedPort("kafka.controller.port"))
                    .classpath(cfg.classpath)
                    .maxHeap(cfg.brokerHeap)
                    .logFile(logs().resolve("broker.log"))
                    .configs(cfg.brokerConfig)
                    .build()
                    .start(cfg.timeout));
            broker.process().onUnexpectedExit(this::unexpectedExit);
            Map<String, String> values = placeholders();
            sourceConnector = withOverrides(configs.connector(ConfigFiles.SOURCE_CONNECTOR, values), cfg.sourceConfig);
            sinkConnector = withOverrides(configs.connector(ConfigFiles.SINK_CONNECTOR, values), cfg.sinkConfig);
            Map<String, String> workerConfig = new LinkedHashMap<>();
            if (cfg.classpath == null && cfg.deployConnectors) {
                String discovery = PluginManifests.discoveryMode(List.of(
                        sourceConnector.config().getOrDefault("connector.class", ""),
                        sinkConnector.config().getOrDefault("connector.class", "")), progress);
                workerConfig.put("plugin.discovery", discovery);
            }
            workerConfig.putAll(cfg.workerConfig);
            connect = progress.step("starting Kafka Connect", () -> ConnectWorker.builder(workDir.resolve("connect"),
                            broker.bootstrapServers())
                    .restPort(savedPort("connect.port"))
                    .classpath(cfg.classpath)
                    .maxHeap(cfg.connectHeap)
                    .logFile(logs().resolve("connect.log"))
                    .configs(workerConfig)
                    .build()
                    .start(cfg.timeout));
            connect.process().onUnexpectedExit(this::unexpectedExit);

            if (cfg.deployConnectors) {
                for (ConfigFiles.Connector c : new ConfigFiles.Connector[] {sourceConnector, sinkConnector}) {
                    progress.step("deploying connector " + c.name(), () -> {
                        connect.deploy(c.name(), c.config(), cfg.timeout);
                        connect.awaitRunning(c.name(), cfg.timeout);
                    });
                }
            }
            streamsProperties = workDir.resolve("streams-app.properties");
            StringBuilder props = new StringBuilder(configs.properties(ConfigFiles.STREAMS_APP, values));
            if (!cfg.streamsConfig.isEmpty()) {
                props.append("\n# overrides\n");
                cfg.streamsConfig.forEach((k, v) -> props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
            }
            Files.writeString(streamsProperties, props);
            streams = ChildJvm.builder("streams-app", cfg.streamsMain)
                    .args(streamsProperties.toString())
                    .classpath(cfg.classpath)
                    .maxHeap(cfg.streamsHeap)
                    .logFile(logs().resolve("streams.log"))
                    .stopTimeout(Duration.ofSeconds(40))
                    .build()
                    .onUnexpectedExit(this::unexpectedExit);
            if (cfg.startStreams) {
                progress.step("starting the streams app", () -> {
                    streams.start();
                });
            }
            savePorts();
            progress.line("local stack ready in " + Progress.elapsed(t0) + " (work dir " + workDir + ")");
            return this;
        } catch (Exception | Error e) {
            progress.line("start failed: logs are in " + logs());
            closeQuietly();
            throw e;
        }
    }

    /**
     * A port this work dir used before (kept with --keep), if it is free now: a kept stack comes back on
     * the same addresses, which its connectors' stored configs name. 0 for a new free port.
     */
    private int savedPort(String key) {
        if (!cfg.keep) {
            return 0;
        }
        Path file = workDir.resolve("ports.properties");
        if (!Files.exists(file)) {
            return 0;
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            int port = Integer.parseInt(p.getProperty(key, "0"));
            return Ports.isFree(port) ? port : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private void savePorts() throws IOException {
        StringBuilder sb = new StringBuilder("# ports of this local stack, reused by the next start with --keep\n");
        if (postgres.isEmbedded()) {
            sb.append("pg.port=").append(postgres.pgUrl().port()).append('\n');
        }
        sb.append("kafka.port=").append(broker.port()).append('\n');
        sb.append("kafka.controller.port=").append(broker.controllerPort()).append('\n');
        sb.append("connect.port=").append(connect.restPort()).append('\n');
        Files.writeString(workDir.resolve("ports.properties"), sb);
    }

    private Map<String, String> placeholders() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("pg.url", postgres.jdbcUrl());
        v.put("pg.user", postgres.user());
        v.put("pg.password", postgres.password());
        v.put("topic.prefix", cfg.topicPrefix);
        v.put("bootstrap.servers", broker.bootstrapServers());
        v.put("state.dir", workDir.resolve("streams-state").toString());
        v.put("work.dir", workDir.toString());
        return v;
    }

    private static ConfigFiles.Connector withOverrides(ConfigFiles.Connector c, Map<String, String> overrides) {
        if (overrides.isEmpty()) {
            return c;
        }
        Map<String, String> config = new LinkedHashMap<>(c.config());
        config.putAll(overrides);
        return new ConfigFiles.Connector(c.name(), config);
    }

    private void unexpectedExit(ChildJvm child, int status) {
        if (!closing) {
            progress.line("warning: " + child.name() + " exited unexpectedly (status " + status + "); log: "
                    + child.logFile());
        }
    }

    private Path logs() {
        return workDir.resolve("logs");
    }

    // ---- what tests and the CLI use -------------------------------------------------------------

    public Path workDir() {
        return workDir;
    }

    public Path logDir() {
        return logs();
    }

    public Postgres postgres() {
        return postgres;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DB} */
    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    public String pgUser() {
        return postgres.user();
    }

    public String pgPassword() {
        return postgres.password();
    }

    /** {@code postgresql://USER@127.0.0.1:PORT/DB} */
    public String pgUrl() {
        return postgres.url();
    }

    public java.sql.Connection connect() throws java.sql.SQLException {
        return postgres.connect();
    }

    public KafkaBroker broker() {
        return broker;
    }

    /** {@code 127.0.0.1:PORT} */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public ConnectWorker connectWorker() {
        return connect;
    }

    /** {@code http://127.0.0.1:PORT} */
    public String connectUrl() {
        return connect.url();
    }

    public ChildJvm streamsApp() {
        return streams;
    }

    public String topicPrefix() {
        return cfg.topicPrefix;
    }

    /** The source connector's name and config, as deployed. */
    public ConfigFiles.Connector sourceConnector() {
        return sourceConnector;
    }

    public ConfigFiles.Connector sinkConnector() {
        return sinkConnector;
    }

    public Path streamsProperties() {
        return streamsProperties;
    }

    /** The {@code ready ...} line the {@code local} command prints. */
    public String readyLine() {
        return "ready pg=" + pgUrl() + " kafka=" + bootstrapServers() + " connect=" + connectUrl();
    }

    // ---- faults and restarts --------------------------------------------------------------------

    /** SIGKILL of the Connect worker (source and sink tasks die with it). */
    public void killConnect() {
        connect.kill();
    }

    /** Starts the Connect worker again (stopping it gracefully first if it runs); waits until both connectors run. */
    public void restartConnect() throws InterruptedException, TimeoutException {
        connect.restart(cfg.timeout);
        if (cfg.deployConnectors) {
            connect.awaitRunning(sourceConnector.name(), cfg.timeout);
            connect.awaitRunning(sinkConnector.name(), cfg.timeout);
        }
    }

    /** SIGKILL of the streams app. */
    public void killStreams() {
        streams.kill();
    }

    /** Graceful stop of the streams app. */
    public void stopStreams() {
        streams.stop();
    }

    /** Starts the streams app again (stopping it gracefully first if it runs). */
    public void restartStreams() {
        streams.restart();
    }

    /** SIGKILL of the Kafka broker. */
    public void killBroker() {
        broker.kill();
    }

    /** Starts the broker again on the same port and data (stopping it gracefully first if it runs). */
    public void restartBroker() throws InterruptedException, TimeoutException {
        broker.restart(cfg.timeout);
    }

    /**
     * Hard stop of the embedded PostgreSQL, as in a crash: SIGKILL of the postmaster and all its
     * processes (see {@link Postgres#kill()}). Not available with an external PostgreSQL.
     */
    public void killPostgres() {
        postgres.kill();
    }

    /**
     * Starts the embedded PostgreSQL again on the same data and port (stopping it first if it runs);
     * returns once it accepts connections, after recovering from its WAL.
     */
    public void restartPostgres() throws InterruptedException {
        postgres.restart(cfg.timeout);
    }

    /** Stops streams app, Connect, broker and PostgreSQL, in that order; deletes the data unless kept. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        if (shutdownCloser != null) {
            ChildJvm.removeShutdownCloser(shutdownCloser);
        }
        long t0 = System.nanoTime();
        progress.line("stopping the local stack...");
        stopQuietly("streams app", streams == null ? null : streams::stop);
        stopQuietly("Kafka Connect", connect == null ? null : connect::stop);
        stopQuietly("Kafka broker", broker == null ? null : broker::stop);
        stopQuietly("PostgreSQL", postgres == null ? null : postgres::close);
        if (!cfg.keep) {
            for (String data : new String[] {"kafka/data", "streams-state", "pg-data"}) {
                deleteRecursively(workDir.resolve(data));
            }
            progress.line("stopped in " + Progress.elapsed(t0) + " (logs kept in " + logs() + ")");
        } else {
            progress.line("stopped in " + Progress.elapsed(t0) + " (work dir kept: " + workDir + ")");
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            progress.line("error while stopping: " + e);
        }
    }

    private void stopQuietly(String what, Runnable stop) {
        if (stop == null) {
            return;
        }
        try {
            stop.run();
        } catch (RuntimeException e) {
            progress.line("could not stop " + what + " cleanly: " + e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    public static final class Builder {
        private Path workDir;
        private Path configDir;
        private PgUrl externalPg;
        private boolean keep;
        private PrintStream progress = System.err;
        private String classpath;
        private String topicPrefix = "trickle";
        private Duration timeout = Duration.ofSeconds(120);
        private boolean installCatalog = true;
        private boolean deployConnectors = true;
        private boolean startStreams = true;
        private String streamsMain = STREAMS_MAIN;
        private String brokerHeap = "512m";
        private String connectHeap = "768m";
        private String streamsHeap = "768m";
        private final Map<String, String> brokerConfig = new LinkedHashMap<>();
        private final Map<String, String> workerConfig = new LinkedHashMap<>();
        private final Map<String, String> sourceConfig = new LinkedHashMap<>();
        private final Map<String, String> sinkConfig = new LinkedHashMap<>();
        private final Map<String, String> streamsConfig = new LinkedHashMap<>();

        private Builder() {
        }

        /** Default: {@code .trickle/local-<timestamp>} under the current directory. */
        public Builder workDir(Path value) {
            this.workDir = value;
            return this;
        }

        /** Where the config templates are (default: found, else the copy in the CLI jar). */
        public Builder configDir(Path value) {
            this.configDir = value;
            return this;
        }

        /** Use this PostgreSQL instead of an embedded one ({@code postgresql://...} or {@code jdbc:postgresql://...}). */
        public Builder externalPostgres(String url, String user, String password) {
            this.externalPg = url == null ? null : PgUrl.parse(url, user, password);
            return this;
        }

        /** Keep the data (broker, Connect, streams state, embedded PostgreSQL) at close. */
        public Builder keep(boolean value) {
            this.keep = value;
            return this;
        }

        /** Where progress lines go (default System.err; null for none). */
        public Builder progress(PrintStream value) {
            this.progress = value;
            return this;
        }

        /** Classpath of the child JVMs (default: {@link ChildJvm#defaultClasspath()}). */
        public Builder classpath(String value) {
            this.classpath = value;
            return this;
        }

        public Builder topicPrefix(String value) {
            this.topicPrefix = value;
            return this;
        }

        /** Deadline of each start step (default 120 s). */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        public Builder installCatalog(boolean value) {
            this.installCatalog = value;
            return this;
        }

        /** Deploy the source and sink connectors (default true). */
        public Builder deployConnectors(boolean value) {
            this.deployConnectors = value;
            return this;
        }

        /** Start the streams app (default true). */
        public Builder startStreams(boolean value) {
            this.startStreams = value;
            return this;
        }

        public Builder streamsMainClass(String value) {
            this.streamsMain = value;
            return this;
        }

        public Builder heaps(String broker, String connect, String streams) {
            this.brokerHeap = broker;
            this.connectHeap = connect;
            this.streamsHeap = streams;
            return this;
        }

        public Builder brokerConfig(String key, String value) {
            brokerConfig.put(key, value);
            return this;
        }

        public Builder workerConfig(String key, String value) {
            workerConfig.put(key, value);
            return this;
        }

        /** Overrides a key of the source connector's config (after placeholders). */
        public Builder sourceConfig(String key, String value) {
            sourceConfig.put(key, value);
            return this;
        }

        public Builder sinkConfig(String key, String value) {
            sinkConfig.put(key, value);
            return this;
        }

        /** Adds or overrides a key of the streams app's properties. */
        public Builder streamsConfig(String key, String value) {
            streamsConfig.put(key, value);
            return this;
        }

        /** Starts everything; on failure stops what was started and throws. */
        public LocalStack start() throws Exception {
            return new LocalStack(this).start();
        }
    }
}
