package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tick completeness and pending offsets, without a database. */
class TopicTicksTest {
    private static DeltaRecord.Row row(long tick, long w, String... values) {
        return new DeltaRecord.Row(tick, w, java.util.Arrays.asList(values));
    }

    private static DeltaRecord.End end(long tick, int producer, int producers, int partitions) {
        return new DeltaRecord.End(tick, 5, producer, producers, partitions, 1000, false);
    }

    @Test
    void aTickIsCompleteWhenEveryProducerEndedItOnEveryPartition() {
        TopicTicks tt = new TopicTicks("t");
        tt.add(0, 0, row(1, 1, "a"));
        tt.add(0, 1, end(1, 0, 2, 2));
        tt.add(1, 0, end(1, 1, 2, 2));
        tt.add(1, 1, end(1, 0, 2, 2));
        tt.add(1, 2, end(1, 0, 2, 2)); // a duplicate marker counts once
        assertNull(tt.nextComplete());
        tt.add(0, 2, end(1, 1, 2, 2));
        PendingTick t = tt.nextComplete();
        assertEquals(1, t.tick());
        assertEquals(5, t.streamTable());
        assertEquals(0L, tt.firstPendingOffset(0));
        assertTrue(tt.finish(TickBatch.of(t)).isEmpty());
        assertNull(tt.firstPendingOffset(0));
        assertTrue(tt.finished(1));
        assertFalse(tt.finished(2));
    }

    @Test
    void rowsAreConsolidatedPerTick() {
        TopicTicks tt = new TopicTicks("t");
        tt.add(0, 0, row(3, 2, "a", null));
        tt.add(0, 1, row(3, -2, "a", null));
        tt.add(0, 2, row(3, 1, "b", null));
        tt.add(0, 3, row(3, 1, "b", null));
        tt.add(0, 4, end(3, 0, 1, 1));
        PendingTick t = tt.nextComplete();
        assertEquals(1, t.delta().size());
        Map.Entry<List<String>, Long> only = t.delta().get(0);
        assertEquals(java.util.Arrays.asList("b", null), only.getKey());
        assertEquals(2L, only.getValue());
        assertEquals(4, t.rowRecords());
    }

    @Test
    void aCompleteTickDropsEarlierPartialTicks() {
        TopicTicks tt = new TopicTicks("t");
        // after a restart only the tail of tick 4 (applied before) is read, then all of tick 5
        tt.add(0, 10, end(4, 1, 2, 1));
        tt.add(0, 11, row(5, 1, "x"));
        tt.add(0, 12, end(5, 0, 2, 1));
        assertEquals(10L, tt.firstPendingOffset(0));
        tt.add(0, 13, end(5, 1, 2, 1));
        PendingTick five = tt.nextComplete();
        assertEquals(5, five.tick());
        assertEquals(List.of(4L), tt.finish(TickBatch.of(five)).stream().map(PendingTick::tick).toList());
        assertTrue(tt.isEmpty());
    }

    @Test
    void consecutiveCompleteTicksFormABatchWhoseDeltasAddUp() {
        TopicTicks tt = new TopicTicks("t");
        tt.add(0, 0, row(1, 1, "a"));
        tt.add(0, 1, end(1, 0, 1, 1));
        tt.add(0, 2, row(2, -1, "a"));
        tt.add(0, 3, row(2, 1, "b"));
        tt.add(0, 4, end(2, 0, 1, 1));
        tt.add(0, 5, row(3, 1, "c")); // tick 3 is still being collected
        assertEquals(List.of(1L), tt.completeRun(1).stream().map(PendingTick::tick).toList());
        TickBatch batch = TickBatch.of(tt.completeRun(10));
        assertEquals("ticks 1 to 2", batch.describe());
        assertEquals(List.of(Map.entry(List.of("b"), 1L)), batch.delta(), "a came and went");
        assertEquals(List.of(2L), batch.after(1).ticks().stream().map(PendingTick::tick).toList());
        assertNull(batch.after(2));
        assertTrue(tt.finish(batch).isEmpty());
        assertEquals(5L, tt.firstPendingOffset(0));
        // a fill ends the run before it and starts the next one
        tt.add(0, 6, end(3, 0, 1, 1));
        tt.add(0, 7, new DeltaRecord.End(4, 5, 0, 1, 1, 1000, true));
        tt.add(0, 8, end(5, 0, 1, 1));
        List<PendingTick> three = tt.completeRun(10);
        assertEquals(List.of(3L), three.stream().map(PendingTick::tick).toList());
        tt.finish(TickBatch.of(three));
        TickBatch fill = TickBatch.of(tt.completeRun(10));
        assertTrue(fill.initial());
        assertEquals("ticks 4 to 5", fill.describe());
        assertThrows(IllegalArgumentException.class, () -> TickBatch.of(List.of(three.get(0), fill.ticks().get(0))),
                "a fill is never merged with the ticks before it");
    }

    @Test
    void contradictingEndMarkersAreRefused() {
        TopicTicks tt = new TopicTicks("t");
        tt.add(0, 0, end(1, 0, 2, 2));
        assertThrows(MalformedRecordException.class, () -> tt.add(0, 1, end(1, 1, 3, 2)));
        assertThrows(MalformedRecordException.class, () -> tt.add(0, 2, end(1, 2, 2, 2)));
        assertThrows(MalformedRecordException.class, () -> tt.add(3, 3, end(1, 1, 2, 2)));
        assertThrows(MalformedRecordException.class,
                () -> tt.add(1, 4, new DeltaRecord.End(1, 6, 1, 2, 2, 1000, false)));
        assertNull(tt.nextComplete());
    }

    @Test
    void afterABadRecordTheFirstTickToCompleteIsRefusedAloneAndTheRestIsNot() {
        TopicTicks tt = new TopicTicks("t");
        tt.add(0, 0, row(1, 1, "a"));
        tt.add(0, 1, end(1, 0, 1, 1));
        tt.add(0, 2, row(2, 1, "b"));
        tt.poison("bad record at offset 3");
        tt.add(0, 4, end(2, 0, 1, 1));
        tt.add(0, 5, end(3, 0, 1, 1));
        // tick 1 was complete before the bad record: not affected, and not merged with the suspect tick 2
        TickBatch one = tt.batch(tt.completeRun(10));
        assertEquals("tick 1", one.describe());
        assertNull(one.refusal());
        tt.finish(one);
        TickBatch two = tt.batch(tt.completeRun(10));
        assertEquals("tick 2", two.describe());
        assertEquals("bad record at offset 3", two.refusal());
        tt.finish(two);
        TickBatch three = tt.batch(tt.completeRun(10));
        assertEquals("tick 3", three.describe());
        assertNull(three.refusal(), "only the first tick to complete after the bad record is refused");
    }
}
