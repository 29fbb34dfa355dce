package dev.trickle.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Kafka's storage tool, run on the log directories of a new broker and its controller (KafkaBroker). */
final class KafkaStorageFormat {
    private KafkaStorageFormat() {
    }

    /**
     * Formats the storage each properties file names, all with the same cluster id, all at once: each is a JVM start,
     * seconds of a stack's start on a loaded machine.
     */
    static void formatAll(List<Path> propertiesFiles, String clusterId, String classpath, Path logDir, Deadline deadline)
            throws InterruptedException {
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (Path properties : propertiesFiles) {
            runs.add(CompletableFuture.runAsync(() -> {
                try {
                    format(properties, clusterId, classpath, logDir, deadline);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while formatting the Kafka storage of " + properties, e);
                }
            }));
        }
        try {
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted while formatting the Kafka storage");
        }
    }

    private static void format(Path properties, String clusterId, String classpath, Path logDir, Deadline deadline)
            throws InterruptedException {
        String role = properties.getFileName().toString().replace(".properties", "");
        ChildJvm tool = ChildJvm.builder("kafka-storage-format", "kafka.tools.StorageTool")
                .args("format", "--cluster-id", clusterId, "--config", properties.toString(), "--ignore-formatted")
                .classpath(classpath)
                .maxHeap("256m")
                .jvmOption("-XX:TieredStopAtLevel=1")
                .logFile(logDir.resolve("storage-format-" + role + ".log"))
                .build();
        int code = tool.runToCompletion(deadline.remaining());
        if (code != 0) {
            throw new IllegalStateException("formatting the Kafka storage of " + properties + " failed (exit " + code
                    + "); " + tool.logFile() + ":\n" + tool.logTail(30));
        }
    }
}
