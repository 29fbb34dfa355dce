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
            topology.addProcessor(t.processorName(), () -> new StreamTableProcessor(t, errors), parents);
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.pendingStore()),
                    Serdes.String(), Serdes.Long()), t.processorName());
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(t.metaStore()),
                    Serdes.String(), Serdes.String()), t.processorName());
            topology.addSink(t.sinkName(), t.deltaTopic(), new StringSerializer(), new StringSerializer(),
                    new DeltaPartitioner(), t.processorName());
        }
        return topology;
    }

    static String sourceName(String topic) {
        return "changes-" + topic;
    }
}
