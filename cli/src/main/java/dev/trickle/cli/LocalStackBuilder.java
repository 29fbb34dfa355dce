package dev.trickle.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Settings of a {@link LocalStack}: {@code LocalStack.builder()...start()}. */
public final class LocalStackBuilder {
    Path workDir;
    Path configDir;
    String converter = "json";
    String registryUrl;
    PgUrl externalPg;
    boolean keep;
    PrintStream progress = System.err;
    String classpath;
    String connectClasspath;
    String topicPrefix = "trickle";
    Duration timeout = Duration.ofSeconds(120);
    boolean installCatalog = true;
    boolean deployConnectors = true;
    boolean startStreams = true;
    String streamsMain = LocalStack.STREAMS_MAIN;
    String brokerHeap = "512m";
    String connectHeap = "768m";
    String streamsHeap = "768m";
    final List<String> streamsJvmOptions = new ArrayList<>();
    /** The child JVMs' class archives (ClassArchives): kept across stacks, beside the default work directories. */
    Path classArchiveDir = Path.of(".trickle", "cds");
    int streamsInstances = 1;
    int connectWorkers = 1;
    final Map<String, String> brokerConfig = new LinkedHashMap<>();
    final Map<String, String> workerConfig = new LinkedHashMap<>();
    final Map<String, String> sourceConfig = new LinkedHashMap<>();
    final Map<String, String> sinkConfig = new LinkedHashMap<>();
    final Map<String, String> streamsConfig = new LinkedHashMap<>();

    LocalStackBuilder() {
    }

    /** Default: {@code .trickle/local-<timestamp>} under the current directory. */
    public LocalStackBuilder workDir(Path value) {
        this.workDir = value;
        return this;
    }

    /** Where the config templates are (default: found, else the copy in the CLI jar). */
    public LocalStackBuilder configDir(Path value) {
        this.configDir = value;
        return this;
    }

    /**
     * The converter of the change and delta topics: {@code json} (default, config/) or {@code avro} (config/avro/:
     * Apicurio's AvroConverter in Confluent wire format, which needs {@link #registryUrl(String)}).
     */
    public LocalStackBuilder converter(String value) {
        this.converter = value == null ? "json" : value;
        return this;
    }

    /** The schema registry's URL, {@code ${registry.url}} in the templates (Apicurio 2.x: {@code http://HOST:PORT/apis/registry/v2}). */
    public LocalStackBuilder registryUrl(String value) {
        this.registryUrl = value;
        return this;
    }

    /** Use this PostgreSQL instead of an embedded one ({@code postgresql://...} or {@code jdbc:postgresql://...}). */
    public LocalStackBuilder externalPostgres(String url, String user, String password) {
        this.externalPg = url == null ? null : PgUrl.parse(url, user, password);
        return this;
    }

    /** Keep the data (broker, Connect, streams state, embedded PostgreSQL) at close. */
    public LocalStackBuilder keep(boolean value) {
        this.keep = value;
        return this;
    }

    /** Where progress lines go (default System.err; null for none). */
    public LocalStackBuilder progress(PrintStream value) {
        this.progress = value;
        return this;
    }

    /** Classpath of the child JVMs (default: {@link ChildJvmDefaults#classpath()}). */
    public LocalStackBuilder classpath(String value) {
        this.classpath = value;
        return this;
    }

    /**
     * Classpath of the Connect workers only (default: the other children's). With Kafka's own jars here and
     * {@code workerConfig("plugin.path", ...)} the workers load the connectors from their plugin archives, as a
     * Connect cluster that Trickle is installed into does.
     */
    public LocalStackBuilder connectClasspath(String value) {
        this.connectClasspath = value;
        return this;
    }

    public LocalStackBuilder topicPrefix(String value) {
        this.topicPrefix = value;
        return this;
    }

    /** Deadline of each start step (default 120 s). */
    public LocalStackBuilder timeout(Duration value) {
        this.timeout = value;
        return this;
    }

    public LocalStackBuilder installCatalog(boolean value) {
        this.installCatalog = value;
        return this;
    }

    /** Deploy the source and sink connectors (default true). */
    public LocalStackBuilder deployConnectors(boolean value) {
        this.deployConnectors = value;
        return this;
    }

    /** Start the streams app (default true). */
    public LocalStackBuilder startStreams(boolean value) {
        this.startStreams = value;
        return this;
    }

    public LocalStackBuilder streamsMainClass(String value) {
        this.streamsMain = value;
        return this;
    }

    public LocalStackBuilder heaps(String broker, String connect, String streams) {
        this.brokerHeap = broker;
        this.connectHeap = connect;
        this.streamsHeap = streams;
        return this;
    }

    /** An option of the streams app's JVM, such as {@code -XX:+UseParallelGC} (instead of the stack's serial collector). */
    public LocalStackBuilder streamsJvmOption(String option) {
        streamsJvmOptions.add(option);
        return this;
    }

    public LocalStackBuilder brokerConfig(String key, String value) {
        brokerConfig.put(key, value);
        return this;
    }

    public LocalStackBuilder workerConfig(String key, String value) {
        workerConfig.put(key, value);
        return this;
    }

    /** Overrides a key of the source connector's config (after placeholders). */
    public LocalStackBuilder sourceConfig(String key, String value) {
        sourceConfig.put(key, value);
        return this;
    }

    public LocalStackBuilder sinkConfig(String key, String value) {
        sinkConfig.put(key, value);
        return this;
    }

    /** Adds or overrides a key of the streams app's properties. */
    public LocalStackBuilder streamsConfig(String key, String value) {
        streamsConfig.put(key, value);
        return this;
    }

    /**
     * How many streams app instances to start (default 1). They form one Kafka Streams application (the same
     * {@code application.id}) and share its tasks; see {@link LocalStack#addStreamsInstance()}. With more than one,
     * each stateful task also keeps a standby replica of its state in another instance
     * ({@code num.standby.replicas=1}, unless set), so that when an instance dies the task resumes elsewhere without
     * restoring its state from the changelog first (DESIGN.md, Recovery).
     */
    public LocalStackBuilder streamsInstances(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("streams instances must be at least 1, not " + value);
        }
        this.streamsInstances = value;
        if (value > 1) {
            streamsConfig.putIfAbsent("num.standby.replicas", "1");
        }
        return this;
    }

    /**
     * How many Kafka Connect workers to start (default 1). They form one Connect cluster, which spreads the
     * connectors' tasks over them; see {@link LocalStack#addConnectWorker()}.
     */
    public LocalStackBuilder connectWorkers(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("Connect workers must be at least 1, not " + value);
        }
        this.connectWorkers = value;
        return this;
    }

    /** Starts everything; on failure stops what was started and throws. */
    public LocalStack start() throws Exception {
        return LocalStack.start(this);
    }
}
