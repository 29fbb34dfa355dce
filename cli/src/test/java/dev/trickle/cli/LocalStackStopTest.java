package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.trickle.cli.testing.NoopSourceConnector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code trickle local} stops like a foreground program, whichever way it is told to: Ctrl-C in a terminal (SIGINT
 * to the whole process group), SIGTERM to the launcher, or SIGKILL of the launcher. Within a few seconds every
 * process of the stack is gone: the child JVMs (broker, Connect worker, streams app) and the embedded PostgreSQL,
 * which is no child of the launcher (pg_ctl detaches it).
 */
class LocalStackStopTest {
    /** Generous for two shared cores; a stack that waits out a Kafka timeout (30 s and more) still fails it. */
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(20);

    enum Stop {
        CTRL_C_TO_THE_GROUP, SIGTERM_TO_THE_LAUNCHER, SIGKILL_OF_THE_LAUNCHER
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Stop.class)
    void everyProcessIsGoneWithinSeconds(Stop how) throws Exception {
        // A process that starts with SIGINT ignored keeps it ignored, and so does every JVM it starts (a test run
        // started in the background of a shell without job control, or under nohup-like wrappers): the launcher
        // would then rightly not react to Ctrl-C at all, as a terminal's foreground job never does. Nothing to test.
        assumeFalse(how == Stop.CTRL_C_TO_THE_GROUP && sigintIgnored(),
                "SIGINT is ignored by this test JVM (inherited from how the build was started), so the launcher cannot "
                        + "receive a Ctrl-C; run the build in a terminal's foreground or a CI job to test it");
        Path work = dir.resolve("work");
        Process launcher = startLauncher(work);
        List<ProcessHandle> stack = new ArrayList<>();
        try {
            awaitReady(launcher);
            stack.add(launcher.toHandle());
            stack.addAll(launcher.descendants().collect(Collectors.toList()));
            ProcessHandle postmaster = postmaster(work);
            stack.add(postmaster);
            stack.addAll(postmaster.descendants().collect(Collectors.toList()));
            assertTrue(stack.stream().filter(p -> p.info().command().orElse("").endsWith("java")).count() >= 4,
                    "launcher, broker, Connect worker and streams app: " + ProcessChecks.describe(stack));

            long t0 = System.nanoTime();
            switch (how) {
                case CTRL_C_TO_THE_GROUP -> signal("INT", "-" + launcher.pid()); // the launcher leads its group
                case SIGTERM_TO_THE_LAUNCHER -> signal("TERM", Long.toString(launcher.pid()));
                case SIGKILL_OF_THE_LAUNCHER -> signal("KILL", Long.toString(launcher.pid()));
            }
            List<ProcessHandle> left = awaitGone(stack, STOP_DEADLINE);
            System.out.printf("%s: the stack's %d processes gone in %d ms%n", how, stack.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertTrue(left.isEmpty(), how + ": still running after " + STOP_DEADLINE.toSeconds() + " s:\n"
                    + ProcessChecks.describe(left) + "\nlauncher log:\n" + ChildJvm.tail(dir.resolve("launcher.log"), 40));
        } finally {
            stack.forEach(ProcessHandle::destroyForcibly); // whatever a failure left behind
            launcher.destroyForcibly();
            launcher.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Whether this JVM ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status); false where it cannot tell. */
    static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        Optional<String> mask = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:"))
                .map(l -> l.substring("SigIgn:".length()).trim()).findFirst();
        return mask.isPresent() && (Long.parseUnsignedLong(mask.get(), 16) & (1L << (2 - 1))) != 0;
    }

    /** {@code trickle local} in a process group of its own (setsid), as a shell starts a foreground job. */
    private Process startLauncher(Path work) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid", ChildJvmDefaults.javaExecutable(), "-Xmx256m",
                "-cp", ChildJvmDefaults.classpath(), Main.class.getName(), "local",
                "--work-dir", work.toString(), "--config-dir", configDir().toString()));
        return new ProcessBuilder(command)
                .redirectError(dir.resolve("launcher.log").toFile())
                .start();
    }

    /** The Connect plugins are stand-ins; the streams app is the real one. */
    private Path configDir() throws IOException {
        Path config = Files.createDirectories(dir.resolve("config"));
        for (String[] c : new String[][] {{"source-connector.json", "test-source"}, {"sink-connector.json", "test-sink"}}) {
            Files.writeString(config.resolve(c[0]), "{\"name\": \"" + c[1] + "\", \"config\": {"
                    + "\"connector.class\": \"" + NoopSourceConnector.class.getName() + "\", \"tasks.max\": \"1\","
                    + "\"pg.url\": \"${pg.url}\", \"topic.prefix\": \"${topic.prefix}\"}}");
        }
        Files.copy(Path.of("../config/streams-app.properties"), config.resolve("streams-app.properties"));
        return config;
    }

    private void awaitReady(Process launcher) throws Exception {
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith("ready ")) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String line = Deadline.in(Duration.ofSeconds(180)).await("the launcher's ready line", () -> {
            if (ready.isDone()) {
                String l = ready.join();
                if (l == null) {
                    throw new IllegalStateException("the launcher ended without a ready line; log:\n"
                            + ChildJvm.tail(dir.resolve("launcher.log"), 40));
                }
                return l;
            }
            return null;
        });
        System.out.println(line);
    }

    private static ProcessHandle postmaster(Path work) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(work.resolve("pg-data/postmaster.pid")).get(0).trim());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no postmaster " + pid));
    }

    private static void signal(String name, String target) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", name, "--", target).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -s " + name + " " + target);
    }

    private static List<ProcessHandle> awaitGone(List<ProcessHandle> processes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
            if (alive.isEmpty() || System.nanoTime() - deadline > 0) {
                return alive;
            }
            Thread.sleep(50);
        }
    }
}
