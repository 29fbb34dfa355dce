package dev.trickle.streams.runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Delta rows go to the partition of their unique key when the stream table has one (so that a consumer
 * following it by key finds every change of a key on one partition, in order), else of their whole row;
 * end markers (null key) go to every partition.
 */
final class DeltaPartitioner implements StreamPartitioner<Object, Object> {
    private final List<Integer> key;

    DeltaPartitioner() {
        this(List.of());
    }

    DeltaPartitioner(List<Integer> key) {
        this.key = List.copyOf(key);
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, Object rowKey, Object value, int numPartitions) {
        if (rowKey == null) {
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
        @SuppressWarnings("unchecked")
        List<String> row = (List<String>) rowKey;
        List<String> by = row;
        if (!key.isEmpty()) {
            by = new ArrayList<>(key.size());
            for (int i : key) {
                by.add(row.get(i));
            }
        }
        byte[] bytes = String.join("\u0000", by.stream().map(v -> v == null ? "\u0001" : v).toList())
                .getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % numPartitions));
    }
}
