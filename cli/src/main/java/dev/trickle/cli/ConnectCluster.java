package dev.trickle.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The Kafka Connect workers of a local stack: one distributed-mode group ({@code trickle-connect}), so the
 * connectors deployed through any worker run on all of them, their tasks spread by Connect, and a stopped
 * worker's tasks move to the others. Worker 1 lives in {@code connect/} and logs to {@code connect.log};
 * worker N in {@code connect-N/} and {@code connect-N.log}, each with its own REST port.
 */
final class ConnectCluster {
    private final Path workDir;
    private final Path logDir;
    private final String bootstrapServers;
    private final String classpath;
    private final String heap;
    private final Map<String, String> workerConfig;
    private final BiConsumer<ChildJvm, Integer> unexpectedExit;
    private final ClassArchives classArchives;
    private final List<ConnectWorker> workers = new ArrayList<>();
    private int lastNumber;

    ConnectCluster(Path workDir, Path logDir, String bootstrapServers, String classpath, String heap,
                   Map<String, String> workerConfig, BiConsumer<ChildJvm, Integer> unexpectedExit,
                   ClassArchives classArchives) {
        this.workDir = workDir;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.classpath = classpath;
        this.heap = heap;
        this.workerConfig = Map.copyOf(workerConfig);
        this.unexpectedExit = unexpectedExit;
        this.classArchives = classArchives;
    }

    /** Starts one more worker (REST port {@code restPort}, 0 for a free one) and waits until its REST API answers. */
    ConnectWorker add(int restPort, Duration timeout) throws InterruptedException, TimeoutException {
        ConnectWorker worker;
        synchronized (this) {
            int n = ++lastNumber;
            String suffix = n == 1 ? "" : "-" + n;
            worker = ConnectWorker.builder(workDir.resolve("connect" + suffix), bootstrapServers)
                    .name("kafka-connect" + suffix)
                    .restPort(restPort)
                    .classpath(classpath)
                    .maxHeap(heap)
                    .logFile(logDir.resolve("connect" + suffix + ".log"))
                    .configs(workerConfig)
                    .classArchives(classArchives)
                    .build();
            workers.add(worker);
        }
        worker.process().onUnexpectedExit(unexpectedExit);
        ConnectWorker self = worker;
        worker.othersRunning(() -> all().stream().anyMatch(w -> w != self && w.isRunning()));
        worker.start(timeout);
        return worker;
    }

    /** Starts {@code count} workers, the first one on {@code firstPort} (0 for a free port), one after the other. */
    void start(int count, int firstPort, Progress progress, Duration timeout) throws Exception {
        for (int i = 1; i <= count; i++) {
            int port = i == 1 ? firstPort : 0;
            progress.step(i == 1 ? "starting Kafka Connect" : "starting Kafka Connect worker " + i,
                    () -> add(port, timeout));
        }
    }

    /** Deploys the connectors through the first worker, each waited for until it and its tasks run. */
    void deploy(List<ConfigFiles.Connector> connectors, Progress progress, Duration timeout) throws Exception {
        for (ConfigFiles.Connector c : connectors) {
            progress.step("deploying connector " + c.name(), () -> {
                first().deploy(c.name(), c.config(), timeout);
                first().awaitRunning(c.name(), timeout);
            });
        }
    }

    synchronized ConnectWorker first() {
        return workers.get(0);
    }

    synchronized List<ConnectWorker> all() {
        return List.copyOf(workers);
    }

    /** A worker whose process runs, for REST calls (the connectors' state is the group's, any worker answers). */
    synchronized ConnectWorker anyRunning() {
        return workers.stream().filter(ConnectWorker::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Kafka Connect worker of this stack is running"));
    }

    /** Stops (gracefully) and forgets a worker: its tasks move to the others. The first one stays. */
    void remove(ConnectWorker worker) {
        synchronized (this) {
            if (!workers.isEmpty() && workers.get(0) == worker) {
                throw new IllegalArgumentException("the first Connect worker stays with the stack; stop it instead");
            }
            if (!workers.remove(worker)) {
                throw new IllegalArgumentException("worker " + worker.url() + " is not a worker of this stack");
            }
        }
        worker.stop();
    }

    /** Graceful stop of every worker, the most recently added first (the first one's REST address is the stack's). */
    void stopAll() {
        List<ConnectWorker> copy = all();
        for (int i = copy.size() - 1; i >= 0; i--) {
            copy.get(i).stop();
        }
    }
}
