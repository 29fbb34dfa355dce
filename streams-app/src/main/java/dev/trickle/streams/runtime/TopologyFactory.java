package dev.trickle.streams.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * One source node per change topic (shared by every stream table that reads it) and, per stream
 * table, its processor with declared stores and a sink to its delta topic.
 */
public final class TopologyFactory {
    private TopologyFactory() {
    }

    public static Topology build(Collection<RunnableStreamTable> tables, ErrorReporter errors) {
        Topology topology = new Topology();
        Map<String, List<RunnableStreamTable>> byTopic = new TreeMap<>();
        for (RunnableStreamTable t : tables) {
            t.sourceTopics().forEach(topic -> byTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(t));
        }
        byTopic.keySet().forEach(topic ->
                topology.addSource(sourceName(topic), new StringDeserializer(), new StringDeserializer(), topic));
        for (RunnableStreamTable t : tables) {
            String[] parents = t.sourceTopics().stream().map(TopologyFactory::sourceName).toArray(String[]::new);
            if (t.stateful()) {
                addGathered(topology, t, parents, errors);
            } else {
                topology.addProcessor(t.processorName(), () -> new StreamTableProcessor(t, errors), parents);
                addTickStores(topology, t, t.processorName());
            }
            topology.addSink(t.sinkName(), t.deltaTopic(), new StringSerializer(), new StringSerializer(),
                    new DeltaPartitioner(), t.processorName());
        }
        return topology;
    }

    /** Scatter in every partition's task, one gather topic partition, and the stateful operators behind it. */
    private static void addGathered(Topology topology, RunnableStreamTable t, String[] parents, ErrorReporter errors) {
        topology.addProcessor(t.scatterName(), () -> new ScatterProcessor(t), parents);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.scatterStore()),
                Serdes.String(), Serdes.String()), t.scatterName());
        topology.addSink(t.toGatherName(), t.gatherTopic(), new StringSerializer(), new StringSerializer(), t.scatterName());
        topology.addSource(t.fromGatherName(), new StringDeserializer(), new StringDeserializer(), t.gatherTopic());
        topology.addProcessor(t.processorName(), () -> new GatherProcessor(t, errors), t.fromGatherName());
        addTickStores(topology, t, t.processorName());
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.stateStore()),
                Serdes.String(), Serdes.String()), t.processorName());
    }

    private static void addTickStores(Topology topology, RunnableStreamTable t, String processor) {
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.pendingStore()),
                Serdes.String(), Serdes.Long()), processor);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.metaStore()),
                Serdes.String(), Serdes.String()), processor);
    }

    static String sourceName(String topic) {
        return "changes-" + topic;
    }
}
