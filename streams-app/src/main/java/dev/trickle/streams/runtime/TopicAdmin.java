package dev.trickle.streams.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.StreamsConfig;

/** Topic housekeeping: which change topics exist yet, and the delta topics this app owns. */
final class TopicAdmin implements AutoCloseable {
    private static final long TIMEOUT_S = 30;
    /** Consumer group states in which no rebalance is under way. */
    private static final Set<GroupState> SETTLED = Set.of(GroupState.STABLE, GroupState.EMPTY, GroupState.DEAD);
    private final Admin admin;
    /** When this app last created a topic (epoch ms); 0 before. */
    private volatile long lastCreatedAt;

    TopicAdmin(Properties streamsProperties) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, streamsProperties.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.admin = Admin.create(p);
    }

    Set<String> existingTopics() throws InterruptedException {
        return get(admin.listTopics().names());
    }

    /** Creates missing delta topics; returns each topic's partition count as it really is. */
    Map<String, Integer> ensureTopics(Collection<String> topics, int partitions, short replication)
            throws InterruptedException {
        Set<String> existing = existingTopics();
        List<NewTopic> missing = new ArrayList<>();
        for (String t : topics) {
            if (!existing.contains(t)) {
                missing.add(new NewTopic(t, partitions, replication));
            }
        }
        if (!missing.isEmpty()) {
            try {
                lastCreatedAt = System.currentTimeMillis();
                admin.createTopics(missing).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create delta topics " + missing + ": " + e.getCause().getMessage(), e);
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("Kafka did not create the delta topics within " + TIMEOUT_S + " s", e);
            }
        }
        Map<String, Integer> counts = new HashMap<>();
        Map<String, TopicDescription> described = get(admin.describeTopics(topics).allTopicNames());
        described.forEach((name, d) -> counts.put(name, d.partitions().size()));
        return counts;
    }

    long lastCreatedAt() {
        return lastCreatedAt;
    }

    /** Whether no consumer group of the cluster is rebalancing (see {@link TopicRetirement}). */
    boolean consumerGroupsSettled() throws InterruptedException {
        for (GroupListing g : get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all())) {
            if (g.groupState().isPresent() && !SETTLED.contains(g.groupState().get())) {
                return false;
            }
        }
        return true;
    }

    void deleteTopics(Collection<String> topics) throws InterruptedException {
        if (!topics.isEmpty()) {
            get(admin.deleteTopics(topics).all());
        }
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) throws InterruptedException {
        try {
            return future.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka admin request failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer an admin request within " + TIMEOUT_S + " s", e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
