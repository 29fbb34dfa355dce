package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restart after a kill removes before Kafka Streams starts: under exactly-once, exactly the task directories
 * without a checkpoint (which Kafka Streams would wipe anyway); never a cleanly stopped task's stores, the process id
 * or the instance id, and nothing while another instance holds the state directory.
 */
class CrashedStateTest {
    @TempDir
    Path stateDir;
    private Path appDir;

    @BeforeEach
    void killedInstanceState() throws IOException {
        appDir = stateDir.resolve("app");
        Files.writeString(stateDir.resolve(AppConfig.INSTANCE_ID_FILE), "id");
        Files.createDirectories(appDir.resolve("0_0/rocksdb/st-1-pending"));
        Files.writeString(appDir.resolve("0_0/rocksdb/st-1-pending/000001.sst"), "rows");
        Files.createDirectories(appDir.resolve("1_0/rocksdb/st-2-pending"));
        Files.writeString(appDir.resolve("1_0/" + CrashedState.CHECKPOINT), "0\n1\n");
        Files.createDirectories(appDir.resolve("2_1"));
        Files.writeString(appDir.resolve("kafka-streams-process-metadata"), "process id");
    }

    private Properties props(String guarantee) {
        Properties p = new Properties();
        p.setProperty("application.id", "app");
        p.setProperty("state.dir", stateDir.toString());
        p.setProperty("processing.guarantee", guarantee);
        return p;
    }

    @Test
    void exactlyOnceRemovesOnlyTheTasksWithoutACheckpoint() {
        assertEquals(List.of("0_0", "2_1"), CrashedState.removeUncheckpointedTasks(props("exactly_once_v2")));
        assertFalse(Files.exists(appDir.resolve("0_0")));
        assertFalse(Files.exists(appDir.resolve("2_1")));
        assertTrue(Files.exists(appDir.resolve("1_0/rocksdb/st-2-pending")), "a clean stop's stores are kept");
        assertTrue(Files.exists(appDir.resolve("kafka-streams-process-metadata")), "the process id is kept");
        assertTrue(Files.exists(stateDir.resolve(AppConfig.INSTANCE_ID_FILE)), "the instance id is kept");
    }

    @Test
    void atLeastOnceKeepsEverything() {
        assertEquals(List.of(), CrashedState.removeUncheckpointedTasks(props("at_least_once")));
        assertTrue(Files.exists(appDir.resolve("0_0/rocksdb/st-1-pending/000001.sst")));
    }

    @Test
    void aStateDirectoryInUseIsLeftAlone() throws IOException {
        try (FileChannel channel = FileChannel.open(appDir.resolve(CrashedState.LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            assertEquals(List.of(), CrashedState.removeUncheckpointedTasks(props("exactly_once_v2")));
        }
        assertTrue(Files.exists(appDir.resolve("0_0/rocksdb/st-1-pending/000001.sst")));
    }

    @Test
    void noStateYetIsNothingToDo() {
        Properties p = props("exactly_once_v2");
        p.setProperty("application.id", "other");
        assertEquals(List.of(), CrashedState.removeUncheckpointedTasks(p));
    }
}
