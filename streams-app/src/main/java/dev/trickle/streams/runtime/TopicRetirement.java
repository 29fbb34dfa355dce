package dev.trickle.streams.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics of dropped stream tables, waiting until deleting them cannot race a consumer group's rebalance.
 *
 * <p>Why they wait: the sink reads delta topics through a pattern subscription, and in a rebalance the group's
 * leader assigns partitions from its own view of the cluster. A topic deleted while a rebalance is under way (for
 * instance the one that new delta topics start) can be handed to a task as a new partition; Connect then waits
 * default.api.timeout.ms for that partition's position, which never comes, and the whole group stalls. So a topic is
 * deleted only once no consumer group is rebalancing and no topic was created for {@link #SETTLE_MS} (time for
 * every member to see the new topics and rebalance). A deletion alone is safe: members refresh their metadata before
 * they rejoin, so the rebalance it starts sees the topic gone. After {@link #MAX_WAIT_MS} a topic goes anyway.
 */
final class TopicRetirement {
    /** More than twice the sink consumer's metadata.max.age.ms (1 s in config/sink-connector.json). */
    static final long SETTLE_MS = 3_000;
    static final long MAX_WAIT_MS = 60_000;

    /** Topic to when it was retired (epoch ms), in retirement order. */
    private final Map<String, Long> pending = new LinkedHashMap<>();

    void retire(Collection<String> topics, long now) {
        topics.forEach(t -> pending.putIfAbsent(t, now));
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    List<String> pending() {
        return List.copyOf(pending.keySet());
    }

    /**
     * The topics to delete now: all that waited {@link #SETTLE_MS} when the groups are settled and no topic was
     * created for as long, and regardless of that those that waited {@link #MAX_WAIT_MS}.
     */
    List<String> due(long now, long lastCreatedAt, boolean groupsSettled) {
        boolean quiet = groupsSettled && now - lastCreatedAt >= SETTLE_MS;
        List<String> out = new ArrayList<>();
        pending.forEach((topic, since) -> {
            long waited = now - since;
            if ((quiet && waited >= SETTLE_MS) || waited >= MAX_WAIT_MS) {
                out.add(topic);
            }
        });
        return out;
    }

    /** Whether any of these topics went only because it waited too long. */
    boolean overdue(Collection<String> topics, long now) {
        return topics.stream().anyMatch(t -> pending.containsKey(t) && now - pending.get(t) >= MAX_WAIT_MS);
    }

    /** Takes back the retirement of these topics (a stream table uses them again); returns those it took back. */
    List<String> keep(Collection<String> topics) {
        List<String> kept = topics.stream().filter(pending::containsKey).toList();
        kept.forEach(pending::remove);
        return kept;
    }

    void deleted(Collection<String> topics) {
        topics.forEach(pending::remove);
    }
}
