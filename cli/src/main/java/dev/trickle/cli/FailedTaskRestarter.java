package dev.trickle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Restarts a connector task that Kafka Connect left FAILED, with a backoff. Kafka Connect never restarts a failed
 * task by itself ("will not recover until manually restarted"), and a failed source or sink task stops every
 * stream table. Trickle's tasks handle what concerns one source or one stream table themselves (that stream table
 * goes to ERROR, the others go on), so a task fails only on what it cannot handle; a restart then starts it from
 * its last committed position, which loses and doubles nothing. The backoff (2 s, doubled up to 2 min, reset
 * once the task has been running for 5 min) keeps a task that fails at every start from spinning, and each
 * restart is said with the first line of the task's error.
 */
final class FailedTaskRestarter {
    static final long FIRST_BACKOFF_MS = 2_000;
    static final long MAX_BACKOFF_MS = 120_000;
    static final long HEALTHY_AFTER_MS = 300_000;

    /** What the restarter needs of Kafka Connect's REST API. */
    interface Rest {
        List<String> connectors();

        /** {@code GET /connectors/{name}/status}, or null if there is no such connector. */
        JsonNode status(String connector);

        void restartTask(String connector, int task);
    }

    private record Failures(long backoffMs, long nextRestartAt, long lastRestartAt) {
    }

    private final Rest rest;
    private final Progress progress;
    private final LongSupplier clock;
    private final Map<String, Failures> failures = new HashMap<>();

    FailedTaskRestarter(Rest rest, Progress progress, LongSupplier clock) {
        this.rest = rest;
        this.progress = progress;
        this.clock = clock;
    }

    /** Looks at every connector's tasks once; returns how many tasks it restarted. */
    int checkOnce() {
        int restarted = 0;
        long now = clock.getAsLong();
        for (String connector : rest.connectors()) {
            JsonNode status = rest.status(connector);
            if (status == null) {
                continue;
            }
            for (JsonNode task : status.path("tasks")) {
                String key = connector + "/" + task.path("id").asInt();
                if ("FAILED".equals(task.path("state").asText())) {
                    restarted += restartIfDue(connector, task, key, now);
                } else if ("RUNNING".equals(task.path("state").asText())) {
                    Failures f = failures.get(key);
                    if (f != null && now - f.lastRestartAt() >= HEALTHY_AFTER_MS) {
                        failures.remove(key); // running long enough: the next failure starts the backoff anew
                    }
                }
            }
        }
        return restarted;
    }

    private int restartIfDue(String connector, JsonNode task, String key, long now) {
        Failures f = failures.get(key);
        if (f != null && now < f.nextRestartAt()) {
            return 0;
        }
        long backoff = f == null ? FIRST_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, f.backoffMs() * 2);
        int id = task.path("id").asInt();
        progress.line("task " + id + " of connector " + connector + " FAILED (" + firstLine(task.path("trace").asText())
                + "); restarting it, from its last committed position (next restart after a failure no sooner than "
                + backoff / 1000 + " s)");
        rest.restartTask(connector, id);
        failures.put(key, new Failures(backoff, now + backoff, now));
        return 1;
    }

    private static String firstLine(String trace) {
        String line = trace.isBlank() ? "no error given" : trace.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
