package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeltaPartitionerTest {
    private final DeltaPartitioner partitioner = new DeltaPartitioner();

    @Test
    void endMarkersGoToEveryPartition() {
        assertEquals(Optional.of(Set.of(0, 1, 2, 3)), partitioner.partitions("t", null, "end marker", 4));
    }

    @Test
    void rowsGoToOnePartitionChosenByTheirContent() {
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Integer> p = partitioner.partitions("t", List.of("" + i), "v", 4).orElseThrow();
            assertEquals(1, p.size());
            assertEquals(p, partitioner.partitions("t", List.of("" + i), "other value", 4).orElseThrow());
            used.addAll(p);
        }
        assertEquals(Set.of(0, 1, 2, 3), used, "rows spread over all partitions");
    }

    @Test
    void rowsOfAStreamTableWithAUniqueKeyGoToTheirKeysPartition() {
        DeltaPartitioner keyed = new DeltaPartitioner(List.of(1));
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Integer> p = keyed.partitions("t", List.of("old", "k" + i), "v", 4).orElseThrow();
            assertEquals(p, keyed.partitions("t", java.util.Arrays.asList(null, "k" + i), "v", 4).orElseThrow(),
                    "every change of one key on one partition");
            used.addAll(p);
        }
        assertEquals(Set.of(0, 1, 2, 3), used, "keys spread over all partitions");
    }
}
