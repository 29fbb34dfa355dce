package dev.trickle.streams.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the task state that an exactly-once instance killed while running left behind, before Kafka Streams
 * starts (docs/consistency.md, Recovery after a crash).
 *
 * <p>Under exactly-once a task directory holds a checkpoint file only after a clean close. Kafka Streams treats the
 * non-empty stores of a task directory without one as corrupted (they may hold writes of an aborted transaction),
 * wipes them and restores them from their changelogs. It opens every such RocksDB store twice to find that out, once
 * at start (to report the task's offsets) and again when the task is assigned, and that took longer than the
 * restore itself after a kill under load (about 0.4 s per task each time, eleven tasks, at load 25). Deleting those
 * task directories first leaves the same state, empty stores restored from the changelogs, without the opening.
 * Task directories with a checkpoint (a clean stop) are kept, as is everything else in the state directory (the
 * process id that keeps the transactional ids stable, the instance id). Done only when no Kafka Streams instance
 * holds the application's state directory: the same lock Kafka Streams takes is held meanwhile. This follows Kafka
 * Streams 4.3.1, which wipes such stores; a version that trusted them (offsets kept inside the store, transactional
 * stores) would lose nothing by it either, only restore more than it needs to.
 */
final class CrashedState {
    private static final Logger LOG = LoggerFactory.getLogger(CrashedState.class);
    /** Kafka Streams' names: a task directory ({@code <subtopology>_<partition>}), its checkpoint, the lock file. */
    private static final Pattern TASK_DIR = Pattern.compile("\\d+_\\d+");
    static final String CHECKPOINT = ".checkpoint";
    static final String LOCK = ".lock";

    private CrashedState() {
    }

    /**
     * Deletes the task directories without a checkpoint under {@code state.dir/application.id}, if the processing
     * guarantee is exactly-once; returns the names of those deleted. Failures are logged, never thrown: Kafka Streams
     * then wipes the stores itself.
     */
    static List<String> removeUncheckpointedTasks(Properties streams) {
        Object guarantee = streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        Object stateDir = streams.get(StreamsConfig.STATE_DIR_CONFIG);
        Object appId = streams.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (guarantee == null || !guarantee.toString().trim().toLowerCase(Locale.ROOT).startsWith("exactly_once")
                || stateDir == null || appId == null) {
            return List.of(); // at-least-once keeps and reuses its stores; no state.dir: nothing of ours to look at
        }
        Path appDir = Path.of(stateDir.toString().trim()).resolve(appId.toString().trim());
        if (!Files.isDirectory(appDir)) {
            return List.of();
        }
        try (FileChannel channel = FileChannel.open(appDir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(channel)) {
            if (lock == null) {
                LOG.info("The state directory {} is in use; its stores are left to Kafka Streams", appDir);
                return List.of();
            }
            List<String> removed = removeTasks(appDir);
            if (!removed.isEmpty()) {
                LOG.info("Removed the state of {} task(s) left without a checkpoint by an instance that did not stop "
                        + "cleanly ({}); their stores are restored from the changelogs", removed.size(), removed);
            }
            return removed;
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not remove the state left by an unclean stop in {} ({}); Kafka Streams wipes it instead",
                    appDir, e.toString());
            return List.of();
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // a Kafka Streams instance of this JVM holds it
        }
    }

    private static List<String> removeTasks(Path appDir) throws IOException {
        List<String> removed = new ArrayList<>();
        try (Stream<Path> children = Files.list(appDir)) {
            for (Path task : children.sorted().toList()) {
                String name = task.getFileName().toString();
                if (TASK_DIR.matcher(name).matches() && Files.isDirectory(task)
                        && !Files.exists(task.resolve(CHECKPOINT))) {
                    deleteTree(task);
                    removed.add(name);
                }
            }
        }
        return removed;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
