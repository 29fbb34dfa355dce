package dev.trickle.bench;

import dev.trickle.cli.Deadline;
import dev.trickle.cli.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * Switches the running local stack between serial refresh ({@code off}: one worker) and parallel refresh
 * ({@code on}: {@code workers} workers): the streams app restarts with that many stream threads, and the sink
 * connector is reconfigured with that many tasks (each applies its stream tables' ticks on its own
 * connection). Returns once the streams app's threads all have joined its consumer group and the sink's tasks run.
 */
final class ParallelModes {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final LocalStack stack;
    private final String baseProperties;
    private final int workers;

    ParallelModes(LocalStack stack, int workers) throws IOException {
        this.stack = stack;
        this.workers = workers;
        this.baseProperties = Files.readString(stack.streamsProperties());
    }

    static String name(boolean on) {
        return on ? "on" : "off";
    }

    int workersOf(boolean on) {
        return on ? workers : 1;
    }

    void apply(boolean on) throws Exception {
        int n = workersOf(on);
        Log.step("parallel refresh %s: streams app with %d stream thread(s), sink with %d task(s)", name(on), n, n);
        Files.writeString(stack.streamsProperties(), baseProperties + "\n# the parallel refresh benchmark's mode: "
                + name(on) + "\nnum.stream.threads=" + n + "\n");
        stack.restartStreams();
        Map<String, String> sink = new LinkedHashMap<>(stack.sinkConnector().config());
        sink.put("tasks.max", String.valueOf(n));
        String sinkName = stack.sinkConnector().name();
        stack.connectWorker().deploy(sinkName, sink, TIMEOUT);
        Deadline.in(TIMEOUT).await("the sink connector to run " + n + " task(s)", () -> {
            var status = stack.connectWorker().status(sinkName);
            int running = 0;
            for (var task : status.path("tasks")) {
                running += "RUNNING".equals(task.path("state").asText()) ? 1 : 0;
            }
            return running == n && status.path("tasks").size() == n ? Boolean.TRUE : null;
        });
        String appId = property("application.id");
        Deadline.in(TIMEOUT).await("the streams app's " + n + " thread(s) in a stable group", () ->
                streamThreads(appId) == n ? Boolean.TRUE : null);
    }

    private String property(String key) throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(stack.streamsProperties())) {
            p.load(r);
        }
        return p.getProperty(key);
    }

    /** Members of the streams app's group once it is stable, else -1. */
    private int streamThreads(String appId) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(appId)).describedGroups().get(appId)
                    .get(10, TimeUnit.SECONDS);
            return g.groupState() == GroupState.STABLE ? g.members().size() : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
