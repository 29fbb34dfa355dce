package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.testing.Sleeper;
import dev.trickle.cli.testing.Spawner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static String awaitLog(Path log, String text) throws Exception {
        return Deadline.in(WAIT).await("'" + text + "' in " + log, () -> {
            try {
                String content = Files.exists(log) ? Files.readString(log) : "";
                return content.contains(text) ? content : null;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void startsStopsKillsAndRestartsWithTheSameArguments() throws Exception {
        Path log = dir.resolve("logs/sleeper.log");
        ChildJvm child = ChildJvm.builder("sleeper", Sleeper.class.getName())
                .args("a", "b c")
                .maxHeap("64m")
                .logFile(log)
                .build()
                .start();
        awaitLog(log, "sleeper started a b c");
        long firstPid = child.pid();
        assertTrue(child.isAlive());

        child.stop(); // SIGTERM: shutdown hooks run
        assertFalse(child.isAlive());
        assertEquals(143, child.exitCode().getAsInt());
        awaitLog(log, "sleeper stopping");

        child.restart();
        assertNotEquals(firstPid, child.pid());
        String content = Deadline.in(WAIT).await("second start", () -> {
            try {
                String c = Files.readString(log);
                return c.split("sleeper started a b c", -1).length == 3 ? c : null;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(content.contains("=== "), content);

        long pid = child.pid();
        child.kill();
        assertFalse(child.isAlive());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertEquals(137, child.exitCode().getAsInt());
        assertTrue(ProcessChecks.liveJavaDescendants().isEmpty(), ProcessChecks.describe(ProcessChecks.liveJavaDescendants()));
    }

    @Test
    void childHaltsWhenItsParentIsKilled() throws Exception {
        Path parentLog = dir.resolve("parent.log");
        Path grandchildLog = dir.resolve("grandchild.log");
        ChildJvm parent = ChildJvm.builder("spawner", Spawner.class.getName())
                .args(grandchildLog.toString())
                .maxHeap("64m")
                .logFile(parentLog)
                .build()
                .start();
        String content = awaitLog(parentLog, "grandchild pid ");
        Matcher m = Pattern.compile("grandchild pid (\\d+)").matcher(content);
        assertTrue(m.find(), content);
        long grandchildPid = Long.parseLong(m.group(1));
        awaitLog(grandchildLog, "sleeper started grandchild");
        Optional<ProcessHandle> grandchild = ProcessHandle.of(grandchildPid);
        assertTrue(grandchild.isPresent() && grandchild.get().isAlive());

        parent.kill(); // kill -9: no shutdown hook runs in the parent, only the pipe closes
        Deadline.in(WAIT).await("grandchild " + grandchildPid + " exiting", () ->
                grandchild.get().isAlive() ? null : Boolean.TRUE);
        awaitLog(grandchildLog, "parent process went away");
        // halted, not stopped: its own shutdown hook did not run
        assertFalse(Files.readString(grandchildLog).contains("sleeper stopping"));
    }

    @Test
    void runToCompletionReturnsTheExitStatus() throws Exception {
        ChildJvm tool = ChildJvm.builder("no-such-main", "dev.trickle.cli.NoSuchMain")
                .maxHeap("64m")
                .logFile(dir.resolve("tool.log"))
                .build();
        int code = tool.runToCompletion(WAIT);
        assertNotEquals(0, code);
        assertTrue(tool.logTail(20).contains("ClassNotFoundException"), tool.logTail(20));
    }

    @Test
    void manifestOnlyJarsAreExpanded() throws Exception {
        Path a = Files.createDirectories(dir.resolve("lib/a dir"));
        Path b = Files.createFile(dir.resolve("lib/b.jar"));
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, a.toUri() + " lib/b.jar");
        Path booter = dir.resolve("booter.jar");
        try (OutputStream out = Files.newOutputStream(booter); JarOutputStream jar = new JarOutputStream(out, mf)) {
            jar.flush();
        }
        String expanded = ChildJvmDefaults.expandManifestOnlyJars(booter + java.io.File.pathSeparator + "/x/classes");
        assertEquals(List.of(a.toString(), b.toString(), "/x/classes"), List.of(expanded.split(java.io.File.pathSeparator)));
    }
}
