package dev.trickle.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The streams app instances of a local stack, each a child JVM with the same {@code application.id}: Kafka
 * Streams spreads the tasks (stream tables, change topic partitions) over all running instances and moves a
 * stopped instance's tasks to the others. Instance 1 uses {@code streams-app.properties}, state in
 * {@code streams-state/} and log {@code streams.log}; instance N adds {@code -N} to each name, because two
 * instances on one machine must not share a state directory.
 */
final class StreamsInstances {
    private final String template;
    private final Path workDir;
    private final Path logDir;
    private final String mainClass;
    private final String classpath;
    private final String heap;
    private final List<String> jvmOptions;
    private final BiConsumer<ChildJvm, Integer> unexpectedExit;
    private final ClassArchives classArchives;
    private final List<ChildJvm> instances = new ArrayList<>();
    private int lastNumber;

    /**
     * @param template the streams app's properties with placeholders filled and overrides appended; each
     *                 instance gets a copy with its own {@code client.id} (and, from the second on, its own
     *                 {@code state.dir})
     */
    StreamsInstances(String template, Path workDir, Path logDir, String mainClass, String classpath, String heap,
                     List<String> jvmOptions, BiConsumer<ChildJvm, Integer> unexpectedExit, ClassArchives classArchives) {
        this.template = template;
        this.workDir = workDir;
        this.logDir = logDir;
        this.mainClass = mainClass;
        this.classpath = classpath;
        this.heap = heap;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.unexpectedExit = unexpectedExit;
        this.classArchives = classArchives;
    }

    /** The streams app's properties template with placeholders filled, then the stack's overrides appended. */
    static String template(ConfigFiles configs, Map<String, String> values, Map<String, String> overrides) {
        StringBuilder props = new StringBuilder(configs.properties(ConfigFiles.STREAMS_APP, values));
        if (!overrides.isEmpty()) {
            props.append("\n# overrides\n");
            overrides.forEach((k, v) -> props.append(k).append('=').append(escape(v)).append('\n'));
        }
        return props.toString();
    }

    /** Creates {@code count} instances and, if {@code run}, starts them. */
    void start(int count, boolean run, Progress progress) throws Exception {
        for (int i = 1; i <= count; i++) {
            ChildJvm instance = create();
            if (run && instance.lacksClassArchive()) {
                progress.step("writing the streams app's class archive (once per build: later starts are faster)",
                        () -> {
                            writeClassArchive(instance);
                        });
            }
            if (run) {
                progress.step(i == 1 ? "starting the streams app" : "starting streams app instance " + i,
                        () -> {
                            instance.start();
                        });
            }
        }
    }

    /**
     * Runs the app once up to the end of its compiler warm-up and catalog check: it writes its class archive as it
     * exits (ClassArchives), and every start after that, the restart after a crash first, maps it.
     */
    private void writeClassArchive(ChildJvm instance) throws InterruptedException {
        ChildJvm once = builder(instance.name(), instance.args().get(0))
                .systemProperty(ClassArchives.WARMUP_ONLY_PROPERTY, "true")
                .build();
        try {
            // a failed run only costs the archive: the real start follows and reports what is wrong (in the same log)
            once.runToCompletion(Duration.ofMinutes(3));
        } catch (IllegalStateException e) {
            once.appendToLog("=== the warm-up run did not end: " + e.getMessage());
        }
    }

    /** Writes the next instance's properties file and returns it, not started. */
    synchronized ChildJvm create() {
        int n = ++lastNumber;
        String suffix = n == 1 ? "" : "-" + n;
        Path properties = workDir.resolve("streams-app" + suffix + ".properties");
        StringBuilder text = new StringBuilder(template);
        // client.id names the instance in the consumer group (its threads are <client.id>-StreamThread-N)
        text.append("\n# instance ").append(n).append(" of this local stack\nclient.id=trickle-streams-").append(n).append('\n');
        if (n > 1) {
            text.append("state.dir=").append(escape(stateDir(n).toString())).append('\n');
        }
        PrivateFiles.write(properties, text.toString()); // it holds trickle.pg.password
        ChildJvm child = builder("streams-app" + suffix, properties.toString()).build().onUnexpectedExit(unexpectedExit);
        instances.add(child);
        return child;
    }

    private ChildJvm.Builder builder(String name, String properties) {
        String suffix = name.substring("streams-app".length());
        ChildJvm.Builder builder = ChildJvm.builder(name, mainClass);
        jvmOptions.forEach(builder::jvmOption);
        return builder
                .args(properties)
                .classpath(classpath)
                .maxHeap(heap)
                .logFile(logDir.resolve("streams" + suffix + ".log"))
                .stopTimeout(Duration.ofSeconds(40))
                .classArchives(classArchives);
    }

    /** Instance 1's state directory is the template's {@code state.dir}; this is where instance {@code n > 1} keeps its. */
    Path stateDir(int n) {
        return workDir.resolve("streams-state-" + n);
    }

    /** Directories of every instance's state beyond the first (deleted with the stack's data). */
    List<Path> extraStateDirs() {
        List<Path> dirs = new ArrayList<>();
        for (int n = 2; n <= lastNumber; n++) {
            dirs.add(stateDir(n));
        }
        return dirs;
    }

    synchronized ChildJvm first() {
        return instances.get(0);
    }

    synchronized List<ChildJvm> all() {
        return List.copyOf(instances);
    }

    /** Stops (gracefully) and forgets an instance: its tasks move to the others. The first one stays. */
    void remove(ChildJvm instance) {
        synchronized (this) {
            if (!instances.isEmpty() && instances.get(0) == instance) {
                throw new IllegalArgumentException("the first streams app instance stays with the stack; stop it instead");
            }
            if (!instances.remove(instance)) {
                throw new IllegalArgumentException(instance.name() + " is not an instance of this stack");
            }
        }
        instance.stop();
    }

    /**
     * Graceful stop of every instance, all at once: one by one, each stop would hand its tasks to the
     * instances still running, which would restore their state only to be stopped next.
     */
    void stopAll() {
        List<Thread> stopping = new ArrayList<>();
        for (ChildJvm instance : all()) {
            Thread t = new Thread(instance::stop, "stop-" + instance.name());
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }
}
