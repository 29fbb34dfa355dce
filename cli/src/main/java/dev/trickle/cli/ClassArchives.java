package dev.trickle.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * AppCDS archives of the child JVMs (docs/consistency.md, Recovery): a JVM started with the archive of the classes
 * an earlier run of the same program loaded maps them instead of loading, verifying and linking them from the jars,
 * which is a third of a broker's CPU until it serves, and as much of the streams app's start.
 *
 * <p>One archive per program and fingerprint. The fingerprint covers the {@code java} that runs it, the main class,
 * the classpath and every jar's size and modification time, so a rebuild or another JDK makes a new archive (the
 * old ones of that program are deleted then); the JVM itself ignores an archive that does not match
 * ({@code -Xshare:auto}, its default), so a wrong one costs the start it would have saved, nothing else.
 *
 * <p>Archives are made while the stack runs, never by hand and never at exit (a SIGKILLed JVM writes nothing, and
 * dumping would make every stop slower): a child without an archive starts with {@code -XX:+RecordDynamicDumpInfo}
 * and, once warm, dumps the classes it loaded ({@code jcmd <pid> VM.cds dynamic_dump}, or the streams app itself
 * once its engine runs). The dump goes to a temporary file renamed into place, so that two stacks sharing the
 * directory never see half an archive. Java 17's dump refuses a classpath with a non-empty directory (and ends the
 * JVM), so such a classpath (the project's own classes in a test run) gets no archive.
 */
final class ClassArchives {
    /** {@code -Dtrickle.cds=false} turns archives off (to measure a start without them). */
    static final String ENABLED_PROPERTY = "trickle.cds";
    /** Tells the streams app where to dump its archive once its engine runs (it dumps to a temporary file first). */
    static final String DUMP_PROPERTY = "trickle.cds.dump";

    private final Path dir;
    private final boolean enabled;

    ClassArchives(Path dir) {
        this(dir, !"false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").trim()));
    }

    ClassArchives(Path dir, boolean enabled) {
        this.dir = dir.toAbsolutePath().normalize();
        this.enabled = enabled;
    }

    /** No archives at all (children started outside a local stack). */
    static ClassArchives none() {
        return new ClassArchives(Path.of("."), false);
    }

    Path dir() {
        return dir;
    }

    /** The archive of {@code program} run as {@code mainClass} with {@code classpath}; empty if it cannot have one. */
    Optional<Archive> of(String program, String mainClass, String classpath) {
        if (!enabled || hasNonEmptyDirectory(classpath)) {
            return Optional.empty();
        }
        String name = program.replaceAll("-\\d+$", "").replaceAll("[^A-Za-z0-9_.-]", "_");
        return Optional.of(new Archive(name, dir.resolve(name + "-" + fingerprint(mainClass, classpath) + ".jsa")));
    }

    static boolean hasNonEmptyDirectory(String classpath) {
        for (String entry : classpath.split(File.pathSeparator)) {
            Path p = Path.of(entry.isEmpty() ? "." : entry);
            if (Files.isDirectory(p)) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(p)) {
                    if (files.iterator().hasNext()) {
                        return true;
                    }
                } catch (IOException e) {
                    return true;
                }
            }
        }
        return false;
    }

    static String fingerprint(String mainClass, String classpath) {
        StringBuilder basis = new StringBuilder()
                .append(ChildJvmDefaults.javaExecutable()).append('\n')
                .append(System.getProperty("java.vm.version")).append('\n')
                .append(mainClass).append('\n');
        for (String entry : classpath.split(File.pathSeparator)) {
            basis.append(entry);
            try {
                BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
                basis.append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
            } catch (IOException | RuntimeException e) {
                basis.append(" -");
            }
            basis.append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(basis.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One program's archive: the file may not exist yet. */
    final class Archive {
        private final String program;
        private final Path file;

        private Archive(String program, Path file) {
            this.program = program;
            this.file = file;
        }

        Path file() {
            return file;
        }

        boolean exists() {
            return Files.isRegularFile(file);
        }

        /** Options of a JVM started now: use the archive, or record what a dump needs. */
        List<String> jvmOptions() {
            List<String> options = new ArrayList<>();
            if (exists()) {
                options.add("-XX:SharedArchiveFile=" + file);
            } else {
                options.add("-XX:+RecordDynamicDumpInfo");
                options.add("-D" + DUMP_PROPERTY + "=" + file);
            }
            return options;
        }

        /**
         * Asks the JVM {@code pid} (started with {@link #jvmOptions()} while there was no archive) to dump the classes
         * it loaded; returns what went wrong, or empty. The JVM stops at a safepoint while it dumps (a second or two).
         */
        Optional<String> dump(long pid, Duration timeout) throws InterruptedException {
            if (exists()) {
                return Optional.empty();
            }
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (!Files.isExecutable(jcmd)) {
                return Optional.of("no " + jcmd + " (a JRE without jcmd): the child JVMs start without a class archive");
            }
            Path tmp = file.resolveSibling(file.getFileName() + "." + pid + ".tmp");
            try {
                Files.createDirectories(dir);
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.cds", "dynamic_dump", tmp.toString())
                        .redirectErrorStream(true).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return Optional.of("jcmd VM.cds dynamic_dump did not finish within " + timeout.toSeconds() + " s");
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                    return Optional.of("jcmd VM.cds dynamic_dump failed: " + out);
                }
                publish(tmp);
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of("could not dump the class archive: " + e);
            } finally {
                deleteQuietly(tmp);
            }
        }

        private void publish(Path tmp) throws IOException {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            removeStale();
        }

        /** Archives of this program for other fingerprints (an earlier build), and temporary files a crash left. */
        void removeStale() {
            Instant old = Instant.now().minus(Duration.ofMinutes(30));
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, program + "-*")) {
                for (Path f : files) {
                    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                    boolean staleTmp = n.endsWith(".tmp") && Files.getLastModifiedTime(f).toInstant().isBefore(old);
                    if (!f.equals(file) && (n.endsWith(".jsa") || staleTmp)) {
                        deleteQuietly(f);
                    }
                }
            } catch (IOException e) {
                // leftovers cost disk space only
            }
        }
    }

    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            // a leftover temporary file is removed by a later dump
        }
    }
}
