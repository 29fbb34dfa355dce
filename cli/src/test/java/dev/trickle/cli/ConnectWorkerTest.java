package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.testing.NoopSourceConnector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectWorkerTest {
    private static final Duration START = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    static KafkaBroker broker;
    static ConnectWorker worker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaBroker.builder(dir.resolve("kafka")).start(START);
        long t0 = System.nanoTime();
        worker = ConnectWorker.builder(dir.resolve("connect"), broker.bootstrapServers()).start(START);
        System.out.println("Connect worker started in " + Progress.elapsed(t0) + " at " + worker.url());
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            long t0 = System.nanoTime();
            worker.close();
            System.out.println("Connect worker stopped in " + Progress.elapsed(t0));
        }
        if (broker != null) {
            broker.close();
        }
        assertTrue(ProcessChecks.liveJavaDescendants().isEmpty(), ProcessChecks.describe(ProcessChecks.liveJavaDescendants()));
    }

    @Test
    void deploysConnectorsSurvivesAKillAndRestarts() throws Exception {
        assertTrue(worker.connectors().isEmpty());
        assertNull(worker.status("noop"));
        worker.deploy("noop", Map.of("connector.class", NoopSourceConnector.class.getName(), "tasks.max", "1"), START);
        worker.awaitRunning("noop", START);
        assertEquals(List.of("noop"), worker.connectors());

        long pid = worker.process().pid();
        worker.kill();
        assertFalse(worker.isRunning());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertTrue(ProcessChecks.liveJavaDescendants().stream().noneMatch(p -> p.pid() == pid));

        long t0 = System.nanoTime();
        worker.restart(START);
        worker.awaitRunning("noop", START); // its config came back from the config topic
        System.out.println("Connect worker restarted after a kill, connector running again in " + Progress.elapsed(t0));
        worker.delete("noop");
    }

    @Test
    void aFailedTaskIsReportedWithItsTrace() throws Exception {
        worker.deploy("failing", Map.of("connector.class", NoopSourceConnector.class.getName(), "tasks.max", "1",
                "fail", "true"), START);
        Deadline.Fatal failure = assertThrows(Deadline.Fatal.class, () -> worker.awaitRunning("failing", START));
        assertTrue(failure.getMessage().contains("task told to fail"), failure.getMessage());
        worker.delete("failing");
    }

    @Test
    void aRefusedConfigIsReportedClearly() {
        Deadline.Fatal failure = assertThrows(Deadline.Fatal.class, () -> worker.deploy("bad",
                Map.of("connector.class", "no.such.Connector"), START));
        assertTrue(failure.getMessage().contains("no.such.Connector"), failure.getMessage());
    }
}
