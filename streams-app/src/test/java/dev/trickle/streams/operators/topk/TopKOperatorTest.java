package dev.trickle.streams.operators.topk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.CountingOperatorState;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The top-K operator on its own: retractions at the cut, duplicates, NULL keys, OFFSET, bounded state and work. */
class TopKOperatorTest {
    private static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    /** Pairs of (row, weight). */
    private static ZSet<List<String>> zset(Object... rowsAndWeights) {
        ZSet<List<String>> z = new ZSet<>();
        for (int i = 0; i < rowsAndWeights.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> r = (List<String>) rowsAndWeights[i];
            z.add(r, (Long) rowsAndWeights[i + 1]);
        }
        return z;
    }

    /** ORDER BY $0 (integer) [DESC], $1 LIMIT limit OFFSET offset. */
    private static TopKOperator topK(boolean descending, long offset, long limit) {
        return new TopKOperator(List.of(SortKey.of(0, PgType.INT4, descending), SortKey.of(1, PgType.TEXT, false)), offset, limit, "test");
    }

    @Test
    void deletingARowOfTheTopBringsInTheNextAndInsertingOneAboveTheCutPushesOneOut() throws Exception {
        TopKOperator op = topK(false, 0, 3);
        InMemoryStateBackend backend = new InMemoryStateBackend();
        OperatorState state = backend.forOperator("op0");
        ZSet<List<String>> fill = zset(row("5", "e"), 1L, row("1", "a"), 1L, row("3", "c"), 1L, row("2", "b"), 1L, row("4", "d"), 1L);
        assertEquals(zset(row("1", "a"), 1L, row("2", "b"), 1L, row("3", "c"), 1L).asMap(), op.apply(List.of(fill), state).asMap());
        // the 2nd row goes: the 4th comes in
        assertEquals(zset(row("2", "b"), -1L, row("4", "d"), 1L).asMap(),
                op.apply(List.of(zset(row("2", "b"), -1L)), state).asMap());
        // a new first row pushes the 3rd (now 4/d) out; a row far below changes nothing
        assertEquals(zset(row("0", "z"), 1L, row("4", "d"), -1L).asMap(),
                op.apply(List.of(zset(row("0", "z"), 1L, row("9", "y"), 1L)), state).asMap());
        // an update moving a row from inside the top to below it
        assertEquals(zset(row("1", "a"), -1L, row("4", "d"), 1L).asMap(),
                op.apply(List.of(zset(row("1", "a"), -1L, row("8", "a"), 1L)), state).asMap());
        // everything deleted: the output goes, and so does the state
        ZSet<List<String>> all = zset(row("0", "z"), -1L, row("3", "c"), -1L, row("4", "d"), -1L, row("5", "e"), -1L,
                row("8", "a"), -1L, row("9", "y"), -1L);
        assertEquals(zset(row("0", "z"), -1L, row("3", "c"), -1L, row("4", "d"), -1L).asMap(), op.apply(List.of(all), state).asMap());
        assertEquals(0, backend.size());
    }

    @Test
    void copiesOfARowAreCountedOneByOneAtTheCut() throws Exception {
        TopKOperator op = topK(false, 1, 2);
        OperatorState state = new InMemoryStateBackend().forOperator("op0");
        // positions: 1/a at 0, 2/b at 1..3 (three copies), 3/c at 4: OFFSET 1 LIMIT 2 holds two copies of 2/b
        assertEquals(Map.of(row("2", "b"), 2L), op.apply(List.of(zset(row("1", "a"), 1L, row("2", "b"), 3L, row("3", "c"), 1L)),
                state).asMap());
        // one copy of 1/a fewer: 2/b moves to positions 0..2, so positions 1..2 still hold two copies of it
        assertTrue(op.apply(List.of(zset(row("1", "a"), -1L)), state).isEmpty());
        // two copies of 2/b deleted: positions 0, 1 are 2/b and 3/c
        assertEquals(Map.of(row("2", "b"), -2L, row("3", "c"), 1L), op.apply(List.of(zset(row("2", "b"), -2L)), state).asMap());
        assertThrows(IllegalStateException.class, () -> op.apply(List.of(zset(row("7", "q"), -1L)), state));
    }

    @Test
    void nullKeysSortLastAscendingAndFirstDescending() throws Exception {
        ZSet<List<String>> rows = zset(row(null, "n"), 1L, row("1", "a"), 1L, row("2", "b"), 1L);
        assertEquals(Map.of(row("1", "a"), 1L, row("2", "b"), 1L),
                topK(false, 0, 2).apply(List.of(rows), new InMemoryStateBackend().forOperator("op0")).asMap());
        assertEquals(Map.of(row(null, "n"), 1L, row("2", "b"), 1L),
                topK(true, 0, 2).apply(List.of(rows), new InMemoryStateBackend().forOperator("op0")).asMap());
    }

    @Test
    void offsetWithoutLimitIsEveryRowButTheFirst() throws Exception {
        TopKOperator op = topK(false, 2, -1);
        OperatorState state = new InMemoryStateBackend().forOperator("op0");
        assertEquals(Map.of(row("3", "c"), 1L, row("4", "d"), 1L),
                op.apply(List.of(zset(row("1", "a"), 1L, row("2", "b"), 1L, row("3", "c"), 1L, row("4", "d"), 1L)), state).asMap());
        // a new first row: 2/b becomes the third, so it appears; the new row stays in the skipped head
        assertEquals(Map.of(row("2", "b"), 1L), op.apply(List.of(zset(row("0", "z"), 1L)), state).asMap());
        // a new last row appears as is
        assertEquals(Map.of(row("9", "y"), 1L), op.apply(List.of(zset(row("9", "y"), 1L)), state).asMap());
    }

    @Test
    void aChangeBelowTheTopReadsNoEntriesOfTheStoreAndOneInsideItReadsK() throws Exception {
        TopKOperator op = topK(false, 0, 10);
        CountingOperatorState state = new CountingOperatorState(new InMemoryStateBackend().forOperator("op0"));
        ZSet<List<String>> fill = new ZSet<>();
        for (int i = 0; i < 5000; i++) {
            fill.add(row(Integer.toString(i), "r" + i), 1);
        }
        op.apply(List.of(fill), state);
        state.reset();
        assertTrue(op.apply(List.of(zset(row("4000", "r4000"), -1L, row("4000", "moved"), 1L)), state).isEmpty());
        // the update's two rows and the head's bound: no scan
        assertTrue(state.entriesRead() <= 3, "read " + state.entriesRead() + " entries for a change below the top");
        state.reset();
        assertEquals(Map.of(row("3", "r3"), -1L, row("10", "r10"), 1L), op.apply(List.of(zset(row("3", "r3"), -1L)), state).asMap());
        assertTrue(state.entriesRead() <= 2 * 10 + 3, "read " + state.entriesRead() + " entries for a change inside the top");
    }
}
