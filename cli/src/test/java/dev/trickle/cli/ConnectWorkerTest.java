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

    /**
     * Kafka Connect leaves a failed task failed; the local stack's supervisor restarts it, with a backoff, and a task
     * that runs again is left alone. The clock is the test's, the worker and its REST API are real.
     */
    @Test
    void aFailedTaskIsRestartedWithABackoffUntilItRuns() throws Exception {
        Path marker = java.nio.file.Files.createFile(dir.resolve("fail-marker"));
        worker.deploy("flaky", Map.of("connector.class", NoopSourceConnector.class.getName(), "tasks.max", "1",
                "fail.while", marker.toString()), START);
        awaitFailedAgain("flaky", null);
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        FailedTaskRestarter restarter = new FailedTaskRestarter(new FailedTaskRestarter.Rest() {
            @Override
            public List<String> connectors() {
                return worker.connectors();
            }

            @Override
            public com.fasterxml.jackson.databind.JsonNode status(String connector) {
                return worker.status(connector);
            }

            @Override
            public void restartTask(String connector, int task) {
                worker.restartTask(connector, task);
            }
        }, new Progress(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)), now::get);

        String trace = trace("flaky");
        assertEquals(1, restarter.checkOnce(), "a FAILED task is restarted");
        awaitFailedAgain("flaky", trace); // the marker is still there
        assertEquals(0, restarter.checkOnce(), "not again before the first backoff has passed");
        now.addAndGet(FailedTaskRestarter.FIRST_BACKOFF_MS);
        trace = trace("flaky");
        assertEquals(1, restarter.checkOnce(), "again once it has");
        awaitFailedAgain("flaky", trace);
        now.addAndGet(FailedTaskRestarter.FIRST_BACKOFF_MS);
        assertEquals(0, restarter.checkOnce(), "the backoff doubled");
        java.nio.file.Files.delete(marker);
        now.addAndGet(FailedTaskRestarter.FIRST_BACKOFF_MS);
        assertEquals(1, restarter.checkOnce());
        // (not awaitRunning: it stops at the FAILED the status shows until the restart has begun)
        Deadline.in(START).await("task of flaky RUNNING", () -> {
            if (!"RUNNING".equals(worker.status("flaky").path("tasks").path(0).path("state").asText())) {
                throw new IllegalStateException("not running yet");
            }
            return Boolean.TRUE;
        });
        assertEquals(0, restarter.checkOnce(), "a running task is left alone");
        String text = said.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("task 0 of connector flaky FAILED (java.lang.IllegalStateException: task told to fail while"),
                text);
        worker.delete("flaky");
    }

    private static String trace(String connector) {
        return worker.status(connector).path("tasks").path(0).path("trace").asText();
    }

    /** Until the connector's task is FAILED with another trace than {@code before} (each start numbers its failure). */
    private static void awaitFailedAgain(String connector, String before) throws Exception {
        Deadline.in(START).await("task of " + connector + " FAILED anew", () -> {
            com.fasterxml.jackson.databind.JsonNode task = worker.status(connector).path("tasks").path(0);
            if (!"FAILED".equals(task.path("state").asText()) || task.path("trace").asText().equals(before)) {
                throw new IllegalStateException("task: " + task);
            }
            return Boolean.TRUE;
        });
    }

    @Test
    void aRefusedConfigIsReportedClearly() {
        Deadline.Fatal failure = assertThrows(Deadline.Fatal.class, () -> worker.deploy("bad",
                Map.of("connector.class", "no.such.Connector"), START));
        assertTrue(failure.getMessage().contains("no.such.Connector"), failure.getMessage());
    }
}
