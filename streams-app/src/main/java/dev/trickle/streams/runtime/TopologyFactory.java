package dev.trickle.streams.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * One source node per change topic (shared by every stream table that reads it) and, per stream
 * table, its processor with declared stores and a sink to its delta topic. A stream table over another
 * one also reads the upstream's delta topic (written by the upstream's sink node in this same
 * topology); such a topic is read from its earliest record when the app has no committed offset for it,
 * so that the first downstream sees the ticks its fill needs (older ones are skipped by tick).
 */
public final class TopologyFactory {
    private TopologyFactory() {
    }

    /** With the shipped default converter: JsonConverter without schemas, numerics as strings. */
    public static Topology build(Collection<RunnableStreamTable> tables, ErrorReporter errors) {
        return build(tables, errors, TopicCodecs.json());
    }

    /** Change and delta topics are read and written through {@code codecs}' converters. */
    public static Topology build(Collection<RunnableStreamTable> tables, ErrorReporter errors, TopicCodecs codecs) {
        return build(tables, errors, codecs, KafkaGatherReplay::new);
    }

    /** As {@link #build(Collection, ErrorReporter, TopicCodecs)}, gather topics read again after a restart by {@code replays}. */
    static Topology build(Collection<RunnableStreamTable> tables, ErrorReporter errors, TopicCodecs codecs,
            GatherReplay.Factory replays) {
        Topology topology = new Topology();
        Map<String, List<RunnableStreamTable>> byTopic = new TreeMap<>();
        Set<String> upstreamTopics = new HashSet<>();
        for (RunnableStreamTable t : tables) {
            t.inputTopics().forEach(topic -> byTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(t));
            t.upstreamTopics().stream().filter(Objects::nonNull).forEach(upstreamTopics::add);
        }
        byTopic.keySet().forEach(topic -> {
            if (upstreamTopics.contains(topic)) {
                topology.addSource(AutoOffsetReset.earliest(), sourceName(topic), codecs.inputKeys(),
                        codecs.deltaValues(topic, byTopic.get(topic)), topic);
            } else {
                topology.addSource(sourceName(topic), codecs.inputKeys(), codecs.changeValues(topic, byTopic.get(topic)),
                        topic);
            }
        });
        for (RunnableStreamTable t : tables) {
            String[] parents = t.inputTopics().stream().map(TopologyFactory::sourceName).toArray(String[]::new);
            if (t.stateful()) {
                addGathered(topology, t, parents, errors, replays);
            } else {
                topology.addProcessor(t.processorName(), () -> new StreamTableProcessor(t, errors), parents);
                addTickStores(topology, t, t.processorName());
            }
            topology.addSink(t.sinkName(), t.deltaTopic(), codecs.deltaKeys(t), codecs.deltaValues(t),
                    new DeltaPartitioner(codecs.uniqueKey(t)), t.processorName());
        }
        return topology;
    }

    /** Scatter in every partition's task, one gather topic partition, and the stateful operators behind it. */
    private static void addGathered(Topology topology, RunnableStreamTable t, String[] parents, ErrorReporter errors,
            GatherReplay.Factory replays) {
        topology.addProcessor(t.scatterName(), () -> new ScatterProcessor(t, errors), parents);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(t.scatterStore()),
                Serdes.String(), Serdes.String()), t.scatterName());
        topology.addSink(t.toGatherName(), t.gatherTopic(), new StringSerializer(), new ByteArraySerializer(),
                t.scatterName());
        topology.addSource(t.fromGatherName(), new StringDeserializer(), new ByteArrayDeserializer(), t.gatherTopic());
        topology.addProcessor(t.processorName(), () -> new GatherProcessor(t, errors, replays),
                t.fromGatherName());
        addTickStores(topology, t, t.processorName());
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.stateStore()),
                Serdes.Bytes(), Serdes.ByteArray()), t.processorName());
    }

    private static void addTickStores(Topology topology, RunnableStreamTable t, String processor) {
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.pendingStore()),
                Serdes.Bytes(), Serdes.ByteArray()), processor);
        // The tick ledger and the scatter's fill marks hold a few keys per tick in progress, deleted as ticks end: kept
        // in memory (logged, restored from their changelogs at every start) rather than in a RocksDB instance each,
        // whose creation at a restart after a kill cost more than restoring the few records they hold (their stores
        // are wiped and restored then anyway: docs/consistency.md, Recovery after a crash).
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(t.metaStore()),
                Serdes.String(), Serdes.String()), processor);
    }

    static String sourceName(String topic) {
        return "changes-" + topic;
    }
}
