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
 * <p>Archives are made by the stack, never by hand, and only by a JVM that ends cleanly: a child without an archive
 * runs with {@code -XX:ArchiveClassesAtExit} (to a temporary file, moved into place once it exited by itself; a
 * SIGKILLed JVM writes nothing), and the stack's first start after a build stops and starts the broker and the Connect
 * worker once they are warm, and runs the streams app once up to the end of its compiler warm-up, so that the restarts
 * a crash needs find their archives. A dump in a JVM that goes on serving ({@code jcmd VM.cds dynamic_dump}) was
 * tried and dropped: its pause (a minute on a busy machine) got the broker fenced, and the broker logged
 * out-of-order sequence errors after it. Two stacks sharing the directory never see half an archive.
 */
final class ClassArchives {
    /** {@code -Dtrickle.cds=false} turns archives off (to measure a start without them). */
    static final String ENABLED_PROPERTY = "trickle.cds";
    /** Tells the streams app to stop after its compiler warm-up and catalog check (the run that writes its archive). */
    static final String WARMUP_ONLY_PROPERTY = "trickle.warmup.only";

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

        /** Where a run that records writes the archive at its exit; {@link #publish} moves it into place. */
        Path recordingFile() {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                // the JVM says it cannot write there, and runs without
            }
            return file.resolveSibling(file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        }

        /** Options of a JVM started now: map the archive, or write it at exit to {@code recordingFile}. */
        List<String> jvmOptions(Path recordingFile) {
            List<String> options = new ArrayList<>();
            if (recordingFile == null) {
                options.add("-XX:SharedArchiveFile=" + file);
            } else {
                options.add("-XX:ArchiveClassesAtExit=" + recordingFile);
                options.add("-Xlog:cds=error"); // not a line per class that cannot be archived
            }
            return options;
        }

        /**
         * After the recording JVM ended: moves what it wrote into place if it exited by itself (a killed JVM writes
         * nothing, or half an archive), removes it otherwise; returns what happened, for the child's log.
         */
        String publish(Path recordingFile, boolean exitedCleanly) {
            try {
                if (exitedCleanly && Files.isRegularFile(recordingFile) && Files.size(recordingFile) > 0) {
                    Files.move(recordingFile, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    removeStale();
                    return "class archive " + file + " written: later starts map the classes from it";
                }
                return "no class archive written (" + (exitedCleanly ? "the JVM refused the dump" : "it was killed") + ")";
            } catch (IOException e) {
                return "could not keep the class archive " + file + ": " + e;
            } finally {
                deleteQuietly(recordingFile);
            }
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
