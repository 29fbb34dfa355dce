package dev.trickle.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a {@link ChildJvm} runs with unless told otherwise: the {@code java} launcher, classpath and log settings. */
final class ChildJvmDefaults {
    private ChildJvmDefaults() {
    }

    /**
     * The classpath children run with: {@code -Dtrickle.classpath}, else this JVM's own. A manifest-only
     * jar (as Surefire starts tests with) is replaced by the entries of its {@code Class-Path}, so that
     * classpath scanners in the child (Connect's plugin discovery) see every jar.
     */
    static String classpath() {
        String explicit = System.getProperty("trickle.classpath");
        if (explicit != null) {
            return explicit;
        }
        return expandManifestOnlyJars(System.getProperty("java.class.path"));
    }

    /**
     * {@code classpath} plus where {@link ParentWatch} (the child's launcher) comes from, unless it is there
     * already: a classpath of another program's jars only (a Connect worker from Kafka's jars) runs too.
     */
    static String withLauncher(String classpath) {
        java.security.CodeSource source = ParentWatch.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return classpath;
        }
        String launcher;
        try {
            launcher = Path.of(source.getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return classpath;
        }
        List<String> entries = List.of(classpath.split(java.io.File.pathSeparator));
        if (entries.contains(launcher) || LAUNCHER_IN.computeIfAbsent(classpath, ChildJvmDefaults::providesLauncher)) {
            return classpath;
        }
        return classpath + java.io.File.pathSeparator + launcher;
    }

    private static final Map<String, Boolean> LAUNCHER_IN = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether a jar of {@code classpath} holds {@link ParentWatch} already (a classpath of the built jars, given
     * while this JVM runs from the classes directory): adding the directory would cost the child its class archive.
     */
    private static boolean providesLauncher(String classpath) {
        List<java.net.URL> urls = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.endsWith(".jar")) {
                try {
                    urls.add(Path.of(entry).toUri().toURL());
                } catch (java.net.MalformedURLException | IllegalArgumentException e) {
                    // not a path: the child would not find classes there either
                }
            }
        }
        try (java.net.URLClassLoader jars = new java.net.URLClassLoader(urls.toArray(new java.net.URL[0]), null)) {
            return jars.findResource(ParentWatch.class.getName().replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    static String expandManifestOnlyJars(String classpath) {
        List<String> out = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            List<String> expanded = manifestClassPath(entry);
            out.addAll(expanded.isEmpty() ? List.of(entry) : expanded);
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private static List<String> manifestClassPath(String entry) {
        Path jar = Path.of(entry);
        if (!entry.endsWith(".jar") || !Files.isRegularFile(jar)) {
            return List.of();
        }
        try (java.util.jar.JarFile jf = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest mf = jf.getManifest();
            String cp = mf == null ? null : mf.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
            if (cp == null || cp.isBlank() || jf.stream().anyMatch(e -> e.getName().endsWith(".class"))) {
                return List.of(); // an ordinary jar: keep it as it is
            }
            List<String> entries = new ArrayList<>();
            java.net.URI base = jar.toAbsolutePath().toUri();
            for (String ref : cp.trim().split("\\s+")) {
                java.net.URI uri = base.resolve(ref);
                entries.add("file".equals(uri.getScheme()) ? Path.of(uri).toString() : ref);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The {@code java} launcher of this very JVM. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * slf4j-simple settings for a child: time-stamped lines to standard output (which goes to the log
     * file), INFO for Trickle, WARN for the chatty parts of Kafka, Connect and Jetty.
     */
    static Map<String, String> logProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        String prefix = "org.slf4j.simpleLogger.";
        p.put(prefix + "logFile", "System.out");
        p.put(prefix + "showDateTime", "true");
        p.put(prefix + "dateTimeFormat", "HH:mm:ss.SSS");
        p.put(prefix + "showThreadName", "true");
        p.put(prefix + "showShortLogName", "true");
        p.put(prefix + "levelInBrackets", "true");
        p.put(prefix + "defaultLogLevel", "info");
        for (String quiet : List.of(
                "org.apache.kafka.common.config.AbstractConfig",
                "org.apache.kafka.common.utils.AppInfoParser",
                "org.apache.kafka.common.metrics",
                "org.apache.kafka.common.telemetry",
                "org.apache.kafka.common.network",
                "org.apache.kafka.clients",
                "org.apache.kafka.raft",
                "org.apache.kafka.metadata",
                "org.apache.kafka.image",
                "org.apache.kafka.controller",
                "org.apache.kafka.coordinator",
                "org.apache.kafka.server",
                "org.apache.kafka.storage",
                "org.apache.kafka.snapshot",
                "org.apache.kafka.queue",
                "org.apache.kafka.connect.runtime.isolation",
                "org.apache.kafka.streams.processor.internals.StreamsConfigUtils",
                "kafka.log",
                "kafka.cluster",
                "kafka.coordinator",
                "kafka.server",
                "kafka.raft",
                "kafka.network",
                "kafka.utils",
                "state.change.logger",
                "org.eclipse.jetty",
                "org.glassfish",
                "org.reflections",
                "org.apache.calcite",
                "org.flywaydb",
                // WAL capture's reader: Trickle's own lines say what it does (docs/operations.md)
                "io.debezium")) {
            p.put(prefix + "log." + quiet, "warn");
        }
        // Debezium warns on every keyless table it decodes: Trickle captures those with REPLICA IDENTITY FULL
        p.put(prefix + "log.io.debezium.connector.postgresql.connection.pgoutput.PgOutputMessageDecoder", "error");
        // The streams app's state changes and restores stay visible: where a restart's seconds go (docs/consistency.md).
        p.put(prefix + "log.org.apache.kafka.streams.KafkaStreams", "info");
        p.put(prefix + "log.org.apache.kafka.streams.processor.internals.StoreChangelogReader", "info");
        // Broker start/stop milestones stay visible.
        p.put(prefix + "log.kafka.server.KafkaRaftServer", "info");
        p.put(prefix + "log.kafka.server.BrokerServer", "info");
        // and where a restart after a kill spends its seconds: loading (recovering) the logs, the registration with
        // the controller, loading the transactions' state (docs/consistency.md, Recovery after a crash)
        p.put(prefix + "log.kafka.log.LogManager", "info");
        p.put(prefix + "log.org.apache.kafka.server.BrokerLifecycleManager", "info");
        p.put(prefix + "log.kafka.coordinator.transaction.TransactionStateManager", "info");
        // Kafka's broker carries log4j-core for its logging controller: keep log4j quiet and off the console.
        p.put("log4j2.level", "WARN");
        p.put("log4j2.StatusLogger.level", "OFF");
        return p;
    }
}
