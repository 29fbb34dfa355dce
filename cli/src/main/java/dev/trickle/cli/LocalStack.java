package dev.trickle.cli;

import dev.trickle.core.catalog.CatalogInstaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Everything Trickle needs on one machine: PostgreSQL (embedded, or external by URL), a single-node
 * KRaft Kafka broker, a Kafka Connect cluster (one worker by default) running the source and sink
 * connectors, and the streams app (one instance by default). Broker, workers and app instances are child
 * JVMs (see {@link ChildJvm}); their logs, configs and data are under {@link #workDir()}.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.builder().start()) {
 *     try (Connection c = stack.connect()) { ... }
 *     stack.killConnect();
 *     stack.restartConnect();
 *     ChildJvm second = stack.addStreamsInstance();   // scale out: the instances share the work
 *     stack.removeStreamsInstance(second);
 * }
 * }</pre>
 *
 * Shutdown order: streams app instances, Connect workers, broker, PostgreSQL. The broker, Connect and
 * streams data (and the embedded PostgreSQL's) are deleted at close unless
 * {@link LocalStackBuilder#keep(boolean)}; logs stay.
 */
public final class LocalStack implements AutoCloseable {
    public static final String STREAMS_MAIN = "dev.trickle.streams.runtime.StreamsMain";

    private final LocalStackBuilder cfg;
    private final Path workDir;
    private final Progress progress;
    private final SavedPorts ports;
    private final ClassArchives classArchives;
    private Postgres postgres;
    private KafkaBroker broker;
    private ConnectCluster connect;
    private StreamsInstances streams;
    private ConfigFiles.Connector sourceConnector;
    private ConfigFiles.Connector sinkConnector;
    private AutoCloseable shutdownCloser;
    private volatile boolean closing;
    private boolean closed;

    /*
     * Class archives (ClassArchives): the first start after a build (with a classpath of jars: ./trickle, not the
     * tests' classes directories) stops and starts the broker and the Connect worker once warm, and runs the streams
     * app once up to its warm-up, so that each writes its archive at a clean exit; every later start maps it.
     */
    private LocalStack(LocalStackBuilder b) {
        this.cfg = b;
        this.workDir = (b.workDir != null ? b.workDir : WorkDirs.fresh()).toAbsolutePath().normalize();
        this.progress = new Progress(b.progress);
        this.ports = new SavedPorts(workDir, b.keep);
        this.classArchives = new ClassArchives(b.classArchiveDir);
    }

    public static LocalStackBuilder builder() {
        return new LocalStackBuilder();
    }

    static LocalStack start(LocalStackBuilder cfg) throws Exception {
        return new LocalStack(cfg).start();
    }

    private LocalStack start() throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(logs());
        shutdownCloser = ChildJvm.onShutdown(this);
        try {
            ConfigFiles configs = ConfigFiles.locate(cfg.configDir, cfg.converter);
            requireRegistryUrl();
            startPostgres();
            broker = progress.step("starting Kafka broker", () -> KafkaBroker.builder(workDir.resolve("kafka"))
                    .port(ports.get("kafka.port"))
                    .controllerPort(ports.get("kafka.controller.port"))
                    .classpath(cfg.classpath)
                    .maxHeap(cfg.brokerHeap)
                    .logFile(logs().resolve("broker.log"))
                    .configs(cfg.brokerConfig)
                    .classArchives(classArchives)
                    .build()
                    .start(cfg.timeout));
            broker.process().onUnexpectedExit(this::unexpectedExit);
            broker.controllerProcess().ifPresent(c -> c.onUnexpectedExit(this::unexpectedExit));
            if (broker.process().recordsClassArchive()) { // nothing uses it yet
                progress.step("writing the Kafka broker's class archive (once per build: later starts are faster)",
                        () -> {
                            broker.restart(cfg.timeout);
                        });
            }
            Map<String, String> values = placeholders();
            Map<String, String> connectorValues = ConnectorSecrets.placeholders(values, workDir);
            sourceConnector = withOverrides(configs.connector(ConfigFiles.SOURCE_CONNECTOR, connectorValues), cfg.sourceConfig);
            sinkConnector = withOverrides(configs.connector(ConfigFiles.SINK_CONNECTOR, connectorValues), cfg.sinkConfig);
            startConnect();
            if (connect.first().process().recordsClassArchive()) { // warm now: it ran both connectors
                progress.step("writing the Connect worker's class archive (once per build: later starts are faster)",
                        this::restartConnect);
            }
            startStreams(configs, values);
            savePorts();
            progress.line("local stack ready in " + Progress.elapsed(t0) + " (work dir " + workDir + ")");
            return this;
        } catch (Exception | Error e) {
            progress.line("start failed: logs are in " + logs());
            closeQuietly();
            throw e;
        }
    }

    private void startPostgres() throws Exception {
        if (cfg.externalPg != null) {
            postgres = progress.step("connecting to PostgreSQL at " + cfg.externalPg.display(),
                    () -> Postgres.external(cfg.externalPg));
        } else {
            postgres = progress.step("starting PostgreSQL",
                    () -> Postgres.startEmbedded(workDir.resolve("pg-data"), logs().resolve("postgres.log"), !cfg.keep,
                            ports.get("pg.port")));
        }
        if (cfg.installCatalog) {
            String version = progress.step("installing the Trickle catalog",
                    () -> CatalogInstaller.install(postgres.jdbcUrl(), postgres.user(), postgres.password()));
            progress.line("  catalog version " + version);
        }
    }

    private void startConnect() throws Exception {
        Map<String, String> workerConfig = new LinkedHashMap<>();
        String classpath = cfg.connectClasspath != null ? cfg.connectClasspath : cfg.classpath;
        if (classpath == null && cfg.deployConnectors) {
            String discovery = PluginManifests.discoveryMode(List.of(
                    sourceConnector.config().getOrDefault("connector.class", ""),
                    sinkConnector.config().getOrDefault("connector.class", "")), progress);
            workerConfig.put("plugin.discovery", discovery);
        }
        workerConfig.putAll(ConnectorSecrets.workerConfig(workDir));
        workerConfig.putAll(cfg.workerConfig);
        connect = new ConnectCluster(workDir, logs(), broker.bootstrapServers(), classpath, cfg.connectHeap,
                workerConfig, this::unexpectedExit, classArchives);
        connect.start(cfg.connectWorkers, ports.get("connect.port"), progress, cfg.timeout);
        if (cfg.deployConnectors) {
            connect.deploy(List.of(sourceConnector, sinkConnector), progress, cfg.timeout);
        }
    }

    private void startStreams(ConfigFiles configs, Map<String, String> values) throws Exception {
        streams = new StreamsInstances(StreamsInstances.template(configs, values, cfg.streamsConfig), workDir, logs(),
                cfg.streamsMain, cfg.classpath, cfg.streamsHeap, cfg.streamsJvmOptions, this::unexpectedExit, classArchives);
        streams.start(cfg.streamsInstances, cfg.startStreams, progress);
    }

    private void savePorts() throws IOException {
        Map<String, Integer> saved = new LinkedHashMap<>();
        if (postgres.isEmbedded()) {
            saved.put("pg.port", postgres.pgUrl().port());
        }
        saved.put("kafka.port", broker.port());
        saved.put("kafka.controller.port", broker.controllerPort());
        saved.put("connect.port", connect.first().restPort());
        ports.save(saved);
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
        if (cfg.registryUrl != null) {
            v.put("registry.url", cfg.registryUrl);
        }
        return v;
    }

    /** Fails before anything starts when a converter that needs a schema registry is not told where it is. */
    private void requireRegistryUrl() {
        if (!"json".equals(cfg.converter) && cfg.registryUrl == null) {
            throw new IllegalArgumentException("--converter " + cfg.converter + " needs a schema registry: give "
                    + "--registry-url URL (Apicurio Registry 2.x: http://HOST:PORT/apis/registry/v2; see docs/record-format.md, Avro)");
        }
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

    /**
     * The URL for psql and {@code --pg-url}: {@code postgresql://postgres@127.0.0.1:PORT/trickle?passfile=...} with
     * the embedded PostgreSQL (its password is in that pgpass file), {@code postgresql://USER@HOST:PORT/DB} with
     * an external one; never a password.
     */
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

    /** The first Connect worker (the one the stack started with; its REST address is {@link #connectUrl()}). */
    public ConnectWorker connectWorker() {
        return connect.first();
    }

    /** {@code http://127.0.0.1:PORT} of the first Connect worker. */
    public String connectUrl() {
        return connect.first().url();
    }

    /** The first streams app instance. */
    public ChildJvm streamsApp() {
        return streams.first();
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

    /** The first streams app instance's properties file. */
    public Path streamsProperties() {
        return workDir.resolve("streams-app.properties");
    }

    /** The {@code ready ...} line the {@code local} command prints. */
    public String readyLine() {
        return "ready pg=" + pgUrl() + " kafka=" + bootstrapServers() + " connect=" + connectUrl();
    }

    // ---- scale-out --------------------------------------------------------------------------------

    /** Every Connect worker of the stack, the first one first. */
    public List<ConnectWorker> connectWorkers() {
        return connect.all();
    }

    /**
     * Starts one more Connect worker in the cluster and waits until both connectors and their tasks run
     * again after the rebalance its arrival causes. Stop it with {@link #removeConnectWorker}.
     */
    public ConnectWorker addConnectWorker() throws InterruptedException, TimeoutException {
        ConnectWorker worker = connect.add(0, cfg.timeout);
        awaitConnectorsRunning();
        return worker;
    }

    /** Graceful stop of a worker added with {@link #addConnectWorker}; its tasks move to the other workers. */
    public void removeConnectWorker(ConnectWorker worker) {
        connect.remove(worker);
    }

    /** Waits until both connectors and all of their tasks are RUNNING, asking any worker that runs. */
    public void awaitConnectorsRunning() throws InterruptedException, TimeoutException {
        if (cfg.deployConnectors) {
            connect.anyRunning().awaitRunning(sourceConnector.name(), cfg.timeout);
            connect.anyRunning().awaitRunning(sinkConnector.name(), cfg.timeout);
        }
    }

    /** Every streams app instance, the first one first. */
    public List<ChildJvm> streamsApps() {
        return streams.all();
    }

    /**
     * Starts one more streams app instance (same application.id, its own state directory): Kafka Streams
     * moves part of the tasks to it. Stop it with {@link #removeStreamsInstance}.
     */
    public ChildJvm addStreamsInstance() {
        return streams.create().start();
    }

    /** Graceful stop of an instance added with {@link #addStreamsInstance}; its tasks move to the others. */
    public void removeStreamsInstance(ChildJvm instance) {
        streams.remove(instance);
    }

    // ---- faults and restarts (of the first worker and instance; the others are ConnectWorker/ChildJvm) ----

    /** SIGKILL of the first Connect worker (the source and sink tasks it runs die with it). */
    public void killConnect() {
        connect.first().kill();
    }

    /** Starts the first Connect worker again (stopping it gracefully first if it runs); waits until both connectors run. */
    public void restartConnect() throws InterruptedException, TimeoutException {
        connect.first().restart(cfg.timeout);
        awaitConnectorsRunning();
    }

    /** SIGKILL of the first streams app instance. */
    public void killStreams() {
        streams.first().kill();
    }

    /** Graceful stop of the first streams app instance. */
    public void stopStreams() {
        streams.first().stop();
    }

    /** Starts the first streams app instance again (stopping it gracefully first if it runs). */
    public void restartStreams() {
        streams.first().restart();
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

    /** Whether {@link #close()} has begun: a component that exits now is being stopped, not failing. */
    public boolean isClosing() {
        return closing;
    }

    /** Deadline of each start step (the builder's timeout). */
    public java.time.Duration timeout() {
        return cfg.timeout;
    }

    /** Stops the streams app, Connect, broker and PostgreSQL, in that order; deletes the data unless kept. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        long t0 = System.nanoTime();
        progress.line("stopping the local stack...");
        stopQuietly("streams app", streams == null ? null : streams::stopAll);
        stopQuietly("Kafka Connect", connect == null ? null : connect::stopAll);
        stopQuietly("Kafka broker", broker == null ? null : broker::stop);
        stopQuietly("PostgreSQL", postgres == null ? null : postgres::close);
        // Only now: while this runs in another shutdown hook (a test's), ChildJvm's hook must find this closer and wait
        // for it, not go on to stop the children itself, most recently started first (a restarted broker before the
        // Connect worker, which then hung in its stop for lack of a broker until it was killed).
        if (shutdownCloser != null) {
            ChildJvm.removeShutdownCloser(shutdownCloser);
        }
        if (!cfg.keep) {
            List<Path> data = new ArrayList<>(List.of(workDir.resolve("kafka/data"), workDir.resolve("streams-state"),
                    workDir.resolve("pg-data")));
            if (streams != null) {
                data.addAll(streams.extraStateDirs());
            }
            data.forEach(WorkDirs::deleteRecursively);
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
}
