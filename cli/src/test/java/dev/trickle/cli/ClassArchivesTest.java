package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.testing.Sleeper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM gets its class archive without anyone asking: the first run records, dumps once warm, and every later
 * start maps the archive; a rebuilt jar makes a new one; a classpath Java 17 cannot archive runs without.
 */
class ClassArchivesTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aStartAfterACleanStopMapsTheArchiveAndAKilledRunWritesNone() throws Exception {
        Path jar = jarOf(dir.resolve("app.jar"), ParentWatch.class, Sleeper.class);
        ClassArchives archives = new ClassArchives(dir.resolve("cds"), true);
        Path log = dir.resolve("sleeper.log");
        ChildJvm child = ChildJvm.builder("sleeper", Sleeper.class.getName()).classpath(jar.toString()).maxHeap("64m")
                .logFile(log).classArchives(archives).build();
        try {
            assertTrue(child.lacksClassArchive());
            child.start();
            assertTrue(child.recordsClassArchive());
            awaitLog(log, "sleeper started");
            child.kill(); // as in a crash: nothing written, nothing left behind
            assertTrue(Files.readString(log).contains("no class archive written (it was killed)"), Files.readString(log));
            assertTrue(child.lacksClassArchive());

            child.start();
            Deadline.in(WAIT).await("second start", () -> {
                try {
                    return Files.readString(log).split("sleeper started", -1).length == 3 ? Boolean.TRUE : null;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            child.stop(); // SIGTERM: the JVM writes the archive at exit
            String written = Files.readString(log);
            assertTrue(written.contains("class archive " + dir.resolve("cds").toAbsolutePath()) && !child.lacksClassArchive(),
                    written);
            try (var files = Files.list(dir.resolve("cds"))) {
                assertEquals(1, files.count(), "the archive alone, no temporary file");
            }

            List<String> again = child.command();
            assertTrue(again.stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile=")), again.toString());
            // -Xshare:on: the JVM refuses to start unless it maps the archive
            ChildJvm strict = ChildJvm.builder("sleeper", Sleeper.class.getName()).classpath(jar.toString())
                    .maxHeap("64m").jvmOption("-Xshare:on").logFile(dir.resolve("strict.log")).classArchives(archives)
                    .build();
            strict.start();
            awaitLog(dir.resolve("strict.log"), "sleeper started");
            assertFalse(strict.recordsClassArchive());
            assertTrue(strict.isAlive(), strict.logTail(20));
            strict.stop();
        } finally {
            child.kill();
        }
    }

    @Test
    void aRebuiltJarGetsANewArchiveAndADirectoryNone() throws Exception {
        Path jar = jarOf(dir.resolve("app.jar"), ParentWatch.class, Sleeper.class);
        ClassArchives archives = new ClassArchives(dir.resolve("cds"), true);
        Path before = archives.of("streams-app", "M", jar.toString()).orElseThrow().file();
        assertEquals(before, archives.of("streams-app-2", "M", jar.toString()).orElseThrow().file(),
                "instances of one program share its archive");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        assertNotEquals(before, archives.of("streams-app", "M", jar.toString()).orElseThrow().file());

        Path classes = Files.createDirectories(dir.resolve("classes"));
        Files.writeString(classes.resolve("A.class"), "x");
        assertFalse(archives.of("streams-app", "M", jar + java.io.File.pathSeparator + classes).isPresent());
        assertFalse(new ClassArchives(dir.resolve("cds"), false).of("streams-app", "M", jar.toString()).isPresent());
    }

    private static Path jarOf(Path jar, Class<?>... classes) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (Class<?> c : classes) {
                String name = c.getName().replace('.', '/') + ".class";
                j.putNextEntry(new JarEntry(name));
                try (InputStream in = c.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(j);
                }
                j.closeEntry();
            }
        }
        return jar;
    }

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
}
