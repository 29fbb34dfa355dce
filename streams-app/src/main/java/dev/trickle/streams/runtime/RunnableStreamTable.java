package dev.trickle.streams.runtime;

import dev.trickle.core.TopicNames;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.DeltaPipeline;
import dev.trickle.streams.sql.SourceTable;
import java.util.List;

/** A compiled stream table with the names of everything its sub-topology uses. */
public record RunnableStreamTable(StreamTableDef def, CompiledQuery compiled, List<String> sourceTopics,
                                  String deltaTopic, int deltaPartitions) {

    public static RunnableStreamTable of(StreamTableDef def, CompiledQuery compiled, String prefix, int deltaPartitions) {
        List<String> topics = compiled.sources().stream()
                .map(s -> TopicNames.changes(prefix, s.schema(), s.name())).toList();
        return new RunnableStreamTable(def, compiled, topics, TopicNames.delta(prefix, def.schema(), def.name()),
                deltaPartitions);
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

    RunnableStreamTable withDeltaPartitions(int partitions) {
        return new RunnableStreamTable(def, compiled, sourceTopics, deltaTopic, partitions);
    }
}
