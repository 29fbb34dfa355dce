package dev.trickle.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The units of the current round, queued or running, as the heartbeat reports them (pgtrickle.parallel_job_status()).
 * Written by the task thread and the workers, read by the heartbeat thread.
 */
final class JobBoard {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Job(String kind, List<String> members, long tick, long enqueuedAt, long startedAt) {
    }

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    void queued(String key, String kind, List<String> members, long tick, long enqueuedAt) {
        jobs.put(key, new Job(kind, members, tick, enqueuedAt, 0));
    }

    void running(String key, long tick) {
        jobs.computeIfPresent(key, (k, j) -> new Job(j.kind(), j.members(), tick, j.enqueuedAt(),
                System.currentTimeMillis()));
    }

    void done(String key) {
        jobs.remove(key);
    }

    int running() {
        return (int) jobs.values().stream().filter(j -> j.startedAt() != 0).count();
    }

    int queued() {
        return (int) jobs.values().stream().filter(j -> j.startedAt() == 0).count();
    }

    /** The JSON array pgtrickle._heartbeat stores in pgt_workers.jobs. */
    String json() {
        ArrayNode out = JSON.createArrayNode();
        jobs.forEach((key, j) -> {
            ObjectNode o = out.addObject();
            o.put("unit_key", key);
            o.put("unit_kind", j.kind());
            j.members().forEach(o.putArray("members")::add);
            o.put("status", j.startedAt() == 0 ? "QUEUED" : "RUNNING");
            o.put("tick", j.tick());
            o.put("enqueued_at", Instant.ofEpochMilli(j.enqueuedAt()).toString());
            if (j.startedAt() != 0) {
                o.put("started_at", Instant.ofEpochMilli(j.startedAt()).toString());
            }
        });
        return out.toString();
    }
}
