package dev.trickle.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trickle.cli.ConnectWorker;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;

/**
 * Who runs what in a scaled-out stack, as the user would look it up: the streams app's consumer group
 * (one member per stream thread, named {@code <client.id>-StreamThread-N-consumer}, the client id being
 * {@code trickle-streams-<instance>}), and Connect's {@code /connectors/<name>/status} (a worker id per task).
 */
final class ScaleOutProbe {
    private ScaleOutProbe() {
    }

    /** Per streams app instance ({@code trickle-streams-N}), the number of partitions its threads are assigned. */
    static Map<String, Integer> streamsPartitions(String bootstrapServers, String applicationId) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(p)) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
                    .describedGroups().get(applicationId).get(10, TimeUnit.SECONDS);
            Map<String, Integer> byInstance = new TreeMap<>();
            for (MemberDescription m : group.members()) {
                String instance = m.clientId().replaceFirst("-StreamThread-\\d+-consumer$", "");
                byInstance.merge(instance, m.assignment().topicPartitions().size(), Integer::sum);
            }
            return byInstance;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not describe consumer group " + applicationId + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Per worker id ({@code 127.0.0.1:PORT}), the RUNNING tasks of the named connectors it reports. */
    static Map<String, Integer> runningTasksByWorker(ConnectWorker anyWorker, String... connectors) {
        Map<String, Integer> byWorker = new TreeMap<>();
        for (String name : connectors) {
            JsonNode status = anyWorker.status(name);
            if (status == null) {
                continue;
            }
            for (JsonNode task : status.path("tasks")) {
                if ("RUNNING".equals(task.path("state").asText())) {
                    byWorker.merge(task.path("worker_id").asText(), 1, Integer::sum);
                }
            }
        }
        return byWorker;
    }

    /** The id Connect gives a worker of the local stack in its status answers. */
    static String workerId(ConnectWorker worker) {
        return "127.0.0.1:" + worker.restPort();
    }
}
