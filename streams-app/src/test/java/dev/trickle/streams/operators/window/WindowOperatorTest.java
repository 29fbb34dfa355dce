package dev.trickle.streams.operators.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.CountingOperatorState;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.aggregate.CountFunction;
import dev.trickle.streams.operators.aggregate.SumAvgFunction;
import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The window operator on its own: rows (partition, order value, payload) with row_number and a running sum
 * over the partition; retractions, moves between partitions, duplicates, NULL keys, bounded state and work.
 */
class WindowOperatorTest {
    private static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    private static ZSet<List<String>> zset(Object... rowsAndWeights) {
        ZSet<List<String>> z = new ZSet<>();
        for (int i = 0; i < rowsAndWeights.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> r = (List<String>) rowsAndWeights[i];
            z.add(r, (Long) rowsAndWeights[i + 1]);
        }
        return z;
    }

    /** PARTITION BY $0 ORDER BY $1: row_number(), sum($1) with the default frame (peers included). */
    private static WindowOperator window() {
        Frame running = new Frame(false, Frame.Bound.of(Frame.BoundKind.UNBOUNDED_PRECEDING), Frame.Bound.of(Frame.BoundKind.CURRENT_ROW), null);
        return new WindowOperator(new int[] {0}, List.of(PgType.INT4), List.of(SortKey.of(1, PgType.INT4, false)),
                List.of(new RankingFunction(RankingFunction.Kind.ROW_NUMBER, null),
                        new FrameAggregate(new SumAvgFunction(PgType.INT4, false), new int[] {1}, running)), "test");
    }

    private static ZSet<List<String>> apply(WindowOperator op, OperatorState state, ZSet<List<String>> delta) throws EvaluationException {
        return op.apply(List.of(delta), state);
    }

    @Test
    void aChangeRecomputesItsPartitionAndEmitsOnlyTheRowsThatChanged() throws Exception {
        WindowOperator op = window();
        InMemoryStateBackend backend = new InMemoryStateBackend();
        OperatorState state = backend.forOperator("op0");
        assertEquals(Map.of(row("1", "10", "a", "1", "10"), 1L, row("1", "20", "b", "2", "30"), 1L, row("2", "5", "c", "1", "5"), 1L),
                apply(op, state, zset(row("1", "10", "a"), 1L, row("1", "20", "b"), 1L, row("2", "5", "c"), 1L)).asMap());
        // a row inserted at the front of partition 1 renumbers it; partition 2 is not touched
        assertEquals(Map.of(row("1", "1", "z", "1", "1"), 1L,
                        row("1", "10", "a", "1", "10"), -1L, row("1", "10", "a", "2", "11"), 1L,
                        row("1", "20", "b", "2", "30"), -1L, row("1", "20", "b", "3", "31"), 1L),
                apply(op, state, zset(row("1", "1", "z"), 1L)).asMap());
        // a row moved from partition 1 to partition 2
        assertEquals(Map.of(row("1", "20", "b", "3", "31"), -1L, row("2", "20", "b", "2", "25"), 1L),
                apply(op, state, zset(row("1", "20", "b"), -1L, row("2", "20", "b"), 1L)).asMap());
        // everything deleted: every output row retracted, nothing kept
        ZSet<List<String>> out = apply(op, state, zset(row("1", "1", "z"), -1L, row("1", "10", "a"), -1L, row("2", "5", "c"), -1L,
                row("2", "20", "b"), -1L));
        assertEquals(4, out.size());
        out.asMap().values().forEach(w -> assertEquals(-1L, w));
        assertEquals(0, backend.size());
    }

    @Test
    void copiesOfARowAreRowsOfTheirOwnAndPeersShareTheFrame() throws Exception {
        WindowOperator op = window();
        OperatorState state = new InMemoryStateBackend().forOperator("op0");
        // two copies of one row and a peer: row numbers 1..3; the default frame takes all peers: sum 30
        assertEquals(Map.of(row("1", "10", "a", "1", "30"), 1L, row("1", "10", "a", "2", "30"), 1L, row("1", "10", "b", "3", "30"), 1L),
                apply(op, state, zset(row("1", "10", "a"), 2L, row("1", "10", "b"), 1L)).asMap());
        // one copy goes: the remaining copy is number 1 and b number 2
        assertEquals(Map.of(row("1", "10", "a", "1", "30"), -1L, row("1", "10", "a", "2", "30"), -1L, row("1", "10", "b", "3", "30"), -1L,
                        row("1", "10", "a", "1", "20"), 1L, row("1", "10", "b", "2", "20"), 1L),
                apply(op, state, zset(row("1", "10", "a"), -1L)).asMap());
        assertThrows(IllegalStateException.class, () -> apply(op, state, zset(row("1", "10", "q"), -1L)));
    }

    @Test
    void nullPartitionsAreOnePartitionAndNullOrderValuesSortLast() throws Exception {
        WindowOperator op = window();
        OperatorState state = new InMemoryStateBackend().forOperator("op0");
        assertEquals(Map.of(row(null, null, "n", "2", "3"), 1L, row(null, "3", "a", "1", "3"), 1L),
                apply(op, state, zset(row(null, null, "n"), 1L, row(null, "3", "a"), 1L)).asMap());
    }

    @Test
    void aChangeReadsOnlyItsOwnPartition() throws Exception {
        WindowOperator op = new WindowOperator(new int[] {0}, List.of(PgType.INT4), List.of(SortKey.of(1, PgType.INT4, false)),
                List.of(new FrameAggregate(new CountFunction(true), new int[0], Frame.wholePartition())), "test");
        CountingOperatorState counting = new CountingOperatorState(new InMemoryStateBackend().forOperator("op0"));
        ZSet<List<String>> fill = new ZSet<>();
        for (int i = 0; i < 3000; i++) {
            fill.add(row(Integer.toString(i % 100), Integer.toString(i), "p"), 1);
        }
        op.apply(List.of(fill), counting);
        counting.reset();
        ZSet<List<String>> out = op.apply(List.of(zset(row("7", "5000", "p"), 1L)), counting);
        // partition 7 has 30 rows: all of them change (count 30 → 31), and nothing else is read
        assertEquals(61, out.size());
        assertTrue(counting.entriesRead() <= 31, "read " + counting.entriesRead() + " entries");
    }
}
