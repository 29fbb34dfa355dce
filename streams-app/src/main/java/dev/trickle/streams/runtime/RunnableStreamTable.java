package dev.trickle.streams.runtime;

import dev.trickle.core.TopicNames;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.DeltaPipeline;
import dev.trickle.streams.sql.SourceTable;
import java.util.List;

/**
 * A compiled stream table with the names of everything its sub-topology uses. Source {@code i} is read
 * from {@code sourceTopics[i]} (a base table's change topic; for an upstream stream table the topic of
 * its dependents' fills and end markers) and, when it is an upstream stream table, also from
 * {@code upstreamTopics[i]}, its delta topic (null for base tables). {@code floor}: upstream deltas of
 * this tick or older are never needed (see {@link UpstreamInputs}).
 */
public record RunnableStreamTable(StreamTableDef def, CompiledQuery compiled, List<String> sourceTopics,
                                  List<String> upstreamTopics, String deltaTopic, String gatherTopic,
                                  int deltaPartitions, long floor) {

    public static RunnableStreamTable of(StreamTableDef def, CompiledQuery compiled, String prefix, int deltaPartitions) {
        List<String> topics = compiled.sources().stream()
                .map(s -> TopicNames.changes(prefix, s.schema(), s.name())).toList();
        List<String> upstream = compiled.sources().stream()
                .map(s -> def.upstreamOf(s.schema(), s.name()) == null ? null
                        : TopicNames.delta(prefix, s.schema(), s.name()))
                .collect(java.util.stream.Collectors.toList());
        return new RunnableStreamTable(def, compiled, topics, java.util.Collections.unmodifiableList(upstream),
                TopicNames.delta(prefix, def.schema(), def.name()), prefix + ".gather.st-" + def.id(), deltaPartitions,
                0);
    }

    /**
     * Stateful stream tables (joins, aggregates, ...) need each tick's whole input in one task: their
     * changes pass through a one-partition gather topic. Stateless ones run in every partition's task,
     * unless they read a stream table: aligning its delta with the other sources' ticks and fills is the
     * gathering task's work.
     */
    public boolean stateful() {
        return compiled.pipeline().isStateful() || readsUpstream();
    }

    /** Reads at least one other stream table's delta topic. */
    public boolean readsUpstream() {
        return upstreamTopics.stream().anyMatch(java.util.Objects::nonNull);
    }

    /** Every topic the sub-topology reads: change topics, then upstream delta topics. */
    public List<String> inputTopics() {
        List<String> all = new java.util.ArrayList<>(sourceTopics);
        upstreamTopics.stream().filter(java.util.Objects::nonNull).forEach(all::add);
        return all;
    }

    /** Source index of an upstream delta topic, or -1 when {@code topic} is not one. */
    int upstreamIndex(String topic) {
        return upstreamTopics.indexOf(topic);
    }

    boolean isUpstream(int source) {
        return upstreamTopics.get(source) != null;
    }

    /** The upstream's column names, positional as in its delta rows. */
    List<String> columnNames(int source) {
        return compiled.sources().get(source).columns().stream().map(c -> c.name()).toList();
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
        return new RunnableStreamTable(def, compiled, sourceTopics, upstreamTopics, deltaTopic, gatherTopic, partitions,
                floor);
    }

    RunnableStreamTable withFloor(long tick) {
        return new RunnableStreamTable(def, compiled, sourceTopics, upstreamTopics, deltaTopic, gatherTopic,
                deltaPartitions, tick);
    }
}
