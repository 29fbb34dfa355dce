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
 * ({@code on}: {@code workers} workers) through the settings {@code parallel.refresh.mode} and
 * {@code max.dynamic.refresh.workers} of the streams app (which runs that many stream threads) and of the sink
 * connector (one task, applying up to that many stream tables' ticks at once on their own connections). On a
 * build without those settings ({@code -Dbench.parallel.via=knobs}, chosen by itself there) it sets Kafka's own
 * knobs instead: {@code num.stream.threads} and the sink's {@code tasks.max}. Returns once the streams app's
 * threads all have joined its consumer group and the sink's tasks run.
 */
final class ParallelModes {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final LocalStack stack;
    private final String baseProperties;
    private final int workers;
    private final boolean settings;

    ParallelModes(LocalStack stack, int workers) throws IOException {
        this.stack = stack;
        this.workers = workers;
        this.baseProperties = Files.readString(stack.streamsProperties());
        this.settings = "settings".equals(System.getProperty("bench.parallel.via", hasSettings() ? "settings" : "knobs"));
    }

    /** Whether this build has the parallel refresh settings (issue #5's {@code ParallelMode}). */
    private static boolean hasSettings() {
        try {
            Class.forName("dev.trickle.core.parallel.ParallelMode");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** How the modes are set, for the report. */
    String how() {
        return settings
                ? "`parallel.refresh.mode` and `max.dynamic.refresh.workers` in the streams app's properties and the "
                        + "sink connector's config (the sink with `tasks.max=1`)"
                : "Kafka's knobs (this build has no parallel refresh settings): `num.stream.threads` of the streams app "
                        + "and `tasks.max` of the sink connector";
    }

    static String name(boolean on) {
        return on ? "on" : "off";
    }

    int workersOf(boolean on) {
        return on ? workers : 1;
    }

    void apply(boolean on) throws Exception {
        int n = workersOf(on);
        int tasks = settings ? 1 : n;
        Log.step("parallel refresh %s: streams app with %d stream thread(s), sink with %d task(s), via %s", name(on), n,
                tasks, settings ? "settings" : "knobs");
        String mode = settings ? "parallel.refresh.mode=" + name(on) + "\nmax.dynamic.refresh.workers=" + workers
                + "\nmax.concurrent.refreshes=" + workers + "\n" : "num.stream.threads=" + n + "\n";
        Files.writeString(stack.streamsProperties(), baseProperties + "\n# the parallel refresh benchmark's mode: "
                + name(on) + "\n" + mode);
        stack.restartStreams();
        Map<String, String> sink = new LinkedHashMap<>(stack.sinkConnector().config());
        sink.put("tasks.max", String.valueOf(tasks));
        if (settings) {
            sink.put("parallel.refresh.mode", name(on));
            sink.put("max.dynamic.refresh.workers", String.valueOf(workers));
            sink.put("max.concurrent.refreshes", String.valueOf(workers));
        }
        String sinkName = stack.sinkConnector().name();
        stack.connectWorker().deploy(sinkName, sink, TIMEOUT);
        Deadline.in(TIMEOUT).await("the sink connector to run " + tasks + " task(s)", () -> {
            var status = stack.connectWorker().status(sinkName);
            int running = 0;
            for (var task : status.path("tasks")) {
                running += "RUNNING".equals(task.path("state").asText()) ? 1 : 0;
            }
            return running == tasks && status.path("tasks").size() == tasks ? Boolean.TRUE : null;
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
