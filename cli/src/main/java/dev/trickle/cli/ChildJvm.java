package dev.trickle.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A main class run in a child JVM: same {@code java} as this process, a given classpath and heap,
 * output appended to a log file. The child runs under {@link ParentWatch}, which halts it when this
 * process goes away; a shutdown hook of this process stops every child still running (and first runs
 * the closers registered with {@link #onShutdown}, so that a stack stops in its own order).
 *
 * <p>{@link #stop()} is graceful (SIGTERM, wait, then SIGKILL); {@link #kill()} is SIGKILL at once, for
 * fault tests. {@link #restart()} / {@link #start()} after a stop run the same command again.
 */
public final class ChildJvm {
    private static final Deque<ChildJvm> RUNNING = new ArrayDeque<>();
    private static final Deque<AutoCloseable> CLOSERS = new ArrayDeque<>();
    private static final Duration ARCHIVE_WRITE_TIME = Duration.ofSeconds(90);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildJvm::shutdownAll, "trickle-children-stop"));
    }

    private final String name;
    private final String mainClass;
    private final List<String> args;
    private final String classpath;
    private final String maxHeap;
    private final List<String> jvmOptions;
    private final Map<String, String> systemProperties;
    private final Path logFile;
    private final Path workingDir;
    private final Duration stopTimeout;
    private final ClassArchives classArchives;

    private volatile Process process;
    /** The class archive this run of the child writes at its exit (it started without one), or null. */
    private volatile ClassArchives.Archive recording;
    private volatile Path recordingFile;
    private OutputStream parentPipe;
    private volatile boolean exitExpected;
    private volatile BiConsumer<ChildJvm, Integer> unexpectedExitListener;

    private ChildJvm(Builder b) {
        this.name = b.name;
        this.mainClass = b.mainClass;
        this.args = List.copyOf(b.args);
        this.classpath = b.classpath != null ? b.classpath : ChildJvmDefaults.classpath();
        this.maxHeap = b.maxHeap;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        Map<String, String> props = new LinkedHashMap<>(ChildJvmDefaults.logProperties());
        props.putAll(b.systemProperties);
        this.systemProperties = props;
        this.logFile = Objects.requireNonNull(b.logFile, "logFile");
        this.workingDir = b.workingDir;
        this.stopTimeout = b.stopTimeout;
        this.classArchives = b.classArchives;
    }

    public static Builder builder(String name, String mainClass) {
        return new Builder(name, mainClass);
    }

    /**
     * Runs {@code closer} (before the children are stopped) when this JVM shuts down; closers run
     * last-registered first. Returns the closer for {@link #removeShutdownCloser}.
     */
    public static AutoCloseable onShutdown(AutoCloseable closer) {
        synchronized (CLOSERS) {
            CLOSERS.push(closer);
        }
        return closer;
    }

    public static void removeShutdownCloser(AutoCloseable closer) {
        synchronized (CLOSERS) {
            CLOSERS.remove(closer);
        }
    }

    private static void shutdownAll() {
        while (true) {
            AutoCloseable closer;
            synchronized (CLOSERS) {
                closer = CLOSERS.poll();
            }
            if (closer == null) {
                break;
            }
            try {
                closer.close();
            } catch (Exception e) {
                System.err.println("[trickle] error while shutting down: " + e);
            }
        }
        while (true) {
            ChildJvm child;
            synchronized (RUNNING) {
                child = RUNNING.peek(); // most recently started first
            }
            if (child == null) {
                break;
            }
            child.stop();
            synchronized (RUNNING) {
                RUNNING.remove(child);
            }
        }
    }

    /** Children of this JVM currently running, most recently started first. */
    public static List<ChildJvm> running() {
        synchronized (RUNNING) {
            return new ArrayList<>(RUNNING);
        }
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    public List<String> args() {
        return args;
    }

    /** Called with this child and its exit status when it exits without {@link #stop()} or {@link #kill()}. */
    public ChildJvm onUnexpectedExit(BiConsumer<ChildJvm, Integer> listener) {
        this.unexpectedExitListener = listener;
        return this;
    }

    /** The full command line (of a start now). */
    public List<String> command() {
        ClassArchives.Archive archive = classArchive().orElse(null);
        return command(archive, archive == null || archive.exists() ? null : archive.recordingFile());
    }

    private java.util.Optional<ClassArchives.Archive> classArchive() {
        return classArchives.of(name, mainClass, ChildJvmDefaults.withLauncher(classpath));
    }

    private List<String> command(ClassArchives.Archive archive, Path recordTo) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildJvmDefaults.javaExecutable());
        if (maxHeap != null) {
            cmd.add("-Xmx" + maxHeap);
        }
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
            cmd.add("-XX:+UseSerialGC"); // the smallest footprint, unless an option chooses another collector
        }
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        if (archive != null) {
            cmd.addAll(archive.jvmOptions(recordTo));
        }
        cmd.addAll(jvmOptions);
        cmd.add("-Dtrickle.role=" + name);
        systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(ChildJvmDefaults.withLauncher(classpath));
        cmd.add(ParentWatch.class.getName());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** Starts the child (again, after a stop or kill). */
    public synchronized ChildJvm start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        ClassArchives.Archive archive = classArchive().orElse(null);
        Path recordTo = archive == null || archive.exists() ? null : archive.recordingFile();
        List<String> cmd = command(archive, recordTo);
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            String header = String.format("%n=== %s starting %s: %s %s%n", LocalDateTime.now().format(STAMP), name,
                    mainClass, String.join(" ", args));
            Files.writeString(logFile, header, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            if (workingDir != null) {
                pb.directory(workingDir.toFile());
            }
            exitExpected = false;
            recording = recordTo != null ? archive : null;
            recordingFile = recordTo;
            if (archive != null && recordTo == null) {
                archive.removeStale();
            }
            Process p = pb.start();
            process = p;
            parentPipe = p.getOutputStream(); // kept open: its end-of-file tells the child we are gone
            synchronized (RUNNING) {
                RUNNING.push(this);
            }
            p.onExit().thenAccept(done -> {
                synchronized (RUNNING) {
                    if (process == done || process == null) {
                        RUNNING.remove(this);
                    }
                }
                BiConsumer<ChildJvm, Integer> listener = unexpectedExitListener;
                if (!exitExpected && listener != null && process == done) {
                    listener.accept(this, done.exitValue());
                }
            });
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + " (" + String.join(" ", cmd) + ")", e);
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The running child's process id. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.pid();
    }

    public synchronized ProcessHandle handle() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.toHandle();
    }

    /** Exit status, if the child has exited. */
    public synchronized OptionalInt exitCode() {
        if (process == null || process.isAlive()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(process.exitValue());
    }

    /** Waits up to {@code timeout} for the child to exit; empty if it still runs. */
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            throw new IllegalStateException(name + " was never started");
        }
        if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.of(p.exitValue());
        }
        return OptionalInt.empty();
    }

    /**
     * Runs the child to its end (for tools such as the storage formatter): returns its exit status, or
     * kills it and throws if it takes longer than {@code timeout}.
     */
    public int runToCompletion(Duration timeout) throws InterruptedException {
        start();
        OptionalInt code = waitFor(timeout);
        if (code.isEmpty()) {
            kill();
            throw new IllegalStateException(name + " did not finish within " + timeout.toSeconds() + " s; log "
                    + logFile + ":\n" + logTail(30));
        }
        finishRecording(code.getAsInt() == 0);
        markExited();
        return code.getAsInt();
    }

    /**
     * Whether this run of the child started without its class archive: it writes one when it exits by itself (a
     * graceful {@link #stop()}, or its end), which later starts map (see {@link ClassArchives}).
     */
    public boolean recordsClassArchive() {
        return recording != null;
    }

    /** Whether a start now would be without the class archive (one is possible and none is there yet). */
    public boolean lacksClassArchive() {
        return classArchive().map(a -> !a.exists()).orElse(false);
    }

    /** After the child ended: keeps the class archive it wrote if it exited by itself. */
    private void finishRecording(boolean exitedCleanly) {
        ClassArchives.Archive archive = recording;
        Path file = recordingFile;
        recording = null;
        recordingFile = null;
        if (archive != null && file != null) {
            appendToLog("=== " + name + ": " + archive.publish(file, exitedCleanly));
        }
    }

    /** Graceful stop: SIGTERM, wait up to the stop timeout, then SIGKILL. Does nothing if not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        exitExpected = true;
        boolean killed = false;
        if (process.isAlive()) {
            // SIGTERM through the handle: Process.destroy() would also close our end of the pipe, and the
            // child's ParentWatch would halt it before its shutdown hooks are done.
            process.toHandle().destroy();
            try {
                // the JVM writes its class archive after its shutdown hooks: seconds, a minute on a busy machine
                Duration timeout = recording == null ? stopTimeout : stopTimeout.plus(ARCHIVE_WRITE_TIME);
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    threadDump(process);
                    appendToLog("=== " + name + " did not stop within " + timeout.toSeconds() + " s (its threads "
                            + "are above); killing it");
                    process.destroyForcibly();
                    killed = true;
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                killed = true;
                Thread.currentThread().interrupt();
            }
        }
        finishRecording(!killed && !process.isAlive() && process.exitValue() != 137);
        markExited();
    }

    /** SIGQUIT: the JVM prints its threads to its output, the log, which shows where a stop hangs. */
    private static void threadDump(Process p) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).start().waitFor(2, TimeUnit.SECONDS);
            p.waitFor(1, TimeUnit.SECONDS); // time to write it (returns at once if the process ends meanwhile)
        } catch (IOException e) {
            // no kill command: the log just lacks the threads
        }
    }

    /** Hard kill (SIGKILL), as in a crash; waits until the process is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        exitExpected = true;
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        appendToLog("=== " + name + " killed (SIGKILL)");
        finishRecording(false);
        markExited();
    }

    /** Stops (gracefully) if running, then starts again with the same command. */
    public synchronized ChildJvm restart() {
        stop();
        return start();
    }

    private void markExited() {
        closePipe();
        synchronized (RUNNING) {
            RUNNING.remove(this);
        }
    }

    private void closePipe() {
        if (parentPipe != null) {
            try {
                parentPipe.close();
            } catch (IOException ignored) {
                // the child is gone already
            }
            parentPipe = null;
        }
    }

    void appendToLog(String line) {
        try {
            Files.writeString(logFile, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is a convenience
        }
    }

    /** The last {@code lines} lines of the log file (reads at most the last 64 KiB). */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - 64 * 1024);
            byte[] buf = new byte[(int) (len - from)];
            raf.seek(from);
            raf.readFully(buf);
            String[] all = new String(buf, StandardCharsets.UTF_8).split("\\R");
            int start = Math.max(0, all.length - lines);
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < all.length; i++) {
                sb.append("    ").append(all[i]).append('\n');
            }
            return sb.toString();
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        Process p = process;
        return name + (p == null ? " (not started)" : p.isAlive() ? " (pid " + p.pid() + ")" : " (exited)");
    }

    public static final class Builder {
        private final String name;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private String classpath;
        private String maxHeap = "512m";
        private Path logFile;
        private Path workingDir;
        private Duration stopTimeout = Duration.ofSeconds(30);
        private ClassArchives classArchives = ClassArchives.none();

        private Builder(String name, String mainClass) {
            this.name = Objects.requireNonNull(name);
            this.mainClass = Objects.requireNonNull(mainClass);
        }

        public Builder args(String... values) {
            args.addAll(List.of(values));
            return this;
        }

        public Builder args(List<String> values) {
            args.addAll(values);
            return this;
        }

        public Builder classpath(String value) {
            this.classpath = value;
            return this;
        }

        /** {@code -Xmx} value such as {@code 512m}; null for the JVM's default. */
        public Builder maxHeap(String value) {
            this.maxHeap = value;
            return this;
        }

        public Builder jvmOption(String value) {
            jvmOptions.add(value);
            return this;
        }

        public Builder systemProperty(String key, String value) {
            systemProperties.put(key, value);
            return this;
        }

        public Builder logFile(Path value) {
            this.logFile = value;
            return this;
        }

        public Builder workingDir(Path value) {
            this.workingDir = value;
            return this;
        }

        public Builder stopTimeout(Duration value) {
            this.stopTimeout = value;
            return this;
        }

        /** Where the child's class archive is kept (default: none; see {@link ClassArchives}). */
        Builder classArchives(ClassArchives value) {
            this.classArchives = Objects.requireNonNull(value);
            return this;
        }

        public ChildJvm build() {
            return new ChildJvm(this);
        }
    }
}
