package dev.trickle.streams.runtime;

import dev.trickle.core.TopicNames;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.DeltaPipeline;
import dev.trickle.streams.sql.SourceTable;
import java.util.List;

/** A compiled stream table with the names of everything its sub-topology uses. */
public record RunnableStreamTable(StreamTableDef def, CompiledQuery compiled, List<String> sourceTopics,
                                  String deltaTopic, String gatherTopic, int deltaPartitions) {

    public static RunnableStreamTable of(StreamTableDef def, CompiledQuery compiled, String prefix, int deltaPartitions) {
        List<String> topics = compiled.sources().stream()
                .map(s -> TopicNames.changes(prefix, s.schema(), s.name())).toList();
        return new RunnableStreamTable(def, compiled, topics, TopicNames.delta(prefix, def.schema(), def.name()),
                prefix + ".gather.st-" + def.id(), deltaPartitions);
    }

    /**
     * Stateful stream tables (joins, aggregates, ...) need each tick's whole input in one task: their
     * changes pass through a one-partition gather topic. Stateless ones run in every partition's task.
     */
    public boolean stateful() {
        return compiled.pipeline().isStateful();
    }

    public long id() {
        return def.id();
    }

    public String displayName() {
        return def.displayName();
    }

    public DeltaPipeline pipeline() {
        return compiled.pipeline();
    }

    int sourceCount() {
        return sourceTopics.size();
    }

    int sourceIndex(String topic) {
        int i = sourceTopics.indexOf(topic);
        if (i < 0) {
            throw new IllegalStateException("stream table " + displayName() + " does not read topic " + topic);
        }
        return i;
    }

    String sourceName(int index) {
        SourceTable s = compiled.sources().get(index);
        return s.qualifiedName();
    }

    String processorName() {
        return "st-" + id();
    }

    String sinkName() {
        return "delta-" + id();
    }

    String pendingStore() {
        return "st-" + id() + "-pending";
    }

    String metaStore() {
        return "st-" + id() + "-meta";
    }

    String stateStore() {
        return "st-" + id() + "-state";
    }

    String scatterName() {
        return "st-" + id() + "-scatter";
    }

    String scatterStore() {
        return "st-" + id() + "-scatter-meta";
    }

    String toGatherName() {
        return "st-" + id() + "-to-gather";
    }

    String fromGatherName() {
        return "st-" + id() + "-from-gather";
    }

    /** The state stores whose changelog topics go when the stream table is dropped. */
    List<String> stores() {
        return stateful() ? List.of(pendingStore(), metaStore(), stateStore(), scatterStore())
                : List.of(pendingStore(), metaStore());
    }

    RunnableStreamTable withDeltaPartitions(int partitions) {
        return new RunnableStreamTable(def, compiled, sourceTopics, deltaTopic, gatherTopic, partitions);
    }
}
