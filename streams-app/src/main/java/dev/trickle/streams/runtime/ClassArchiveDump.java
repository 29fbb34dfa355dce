package dev.trickle.streams.runtime;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this JVM's AppCDS archive once the engine runs, when the local stack asked for one (system property
 * {@code trickle.cds.dump}, with {@code -XX:+RecordDynamicDumpInfo}; see the cli's ClassArchives): by then Calcite,
 * Kafka Streams and the operators are loaded, and a restart that maps them from the archive starts its engine
 * sooner (docs/consistency.md, Recovery). Only the launcher knows when the broker or a Connect worker is warm; this
 * app knows it itself. The dump stops the JVM at a safepoint for a second or two, once; it goes to a temporary file
 * renamed into place, so that no start ever maps half an archive.
 */
final class ClassArchiveDump {
    private static final Logger LOG = LoggerFactory.getLogger(ClassArchiveDump.class);
    static final String PROPERTY = "trickle.cds.dump";
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private ClassArchiveDump() {
    }

    /** Dumps in the background, at most once per JVM, if asked to and no archive is there yet. */
    static void onceEngineRuns() {
        String target = System.getProperty(PROPERTY);
        if (target == null || target.isBlank() || DONE.getAndSet(true)) {
            return;
        }
        Path file = Path.of(target.trim());
        if (Files.exists(file)) {
            return;
        }
        Thread t = new Thread(() -> dump(file), "trickle-class-archive");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void dump(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            // the jcmd VM.cds command, in process (JDK 17+; needs -XX:+RecordDynamicDumpInfo)
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "vmCds", new Object[] {new String[] {"dynamic_dump", tmp.toString()}},
                    new String[] {String[].class.getName()});
            if (!Files.isRegularFile(tmp)) {
                LOG.info("No class archive written (the JVM refused the dump); later starts load the classes from the jars");
                return;
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("Wrote the class archive {} in {} ms: later starts of this app map its classes from it", file,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception e) {
            LOG.info("Could not write the class archive {} ({}); later starts load the classes from the jars", file,
                    e.toString());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (java.io.IOException e) {
                // the launcher removes old temporary files
            }
        }
    }
}
