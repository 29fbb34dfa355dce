package dev.trickle.streams.operators.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.CountingOperatorState;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregate operator on its own: retractions, NULLs, the row without GROUP BY, bounded state and work. */
class AggregateOperatorTest {
    private final InMemoryStateBackend backend = new InMemoryStateBackend();

    private static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    private static ZSet<List<String>> delta(Object... rowsAndWeights) {
        ZSet<List<String>> z = new ZSet<>();
        for (int i = 0; i < rowsAndWeights.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> r = (List<String>) rowsAndWeights[i];
            z.add(r, ((Number) rowsAndWeights[i + 1]).longValue());
        }
        return z;
    }

    private static AggregateOperator.Call call(AggregateFunction f, int... columns) {
        return new AggregateOperator.Call(f, columns, -1, false, new ValueEquality(List.of()));
    }

    /** GROUP BY column 0 (integer): count(*), sum(column 1), min(column 1), over (g int, x int) rows. */
    private static AggregateOperator grouped() {
        return new AggregateOperator(new int[] {0}, List.of(PgType.INT4), List.of(new int[] {0}),
                List.of(call(new CountFunction(true)), call(new SumAvgFunction(PgType.INT4, false), 1),
                        call(new MinMaxFunction(PgType.INT4, false), 1)),
                List.of(new AggregateOperator.Aggregated(0), new AggregateOperator.Aggregated(1), new AggregateOperator.Aggregated(2)),
                "test");
    }

    private ZSet<List<String>> apply(AggregateOperator op, ZSet<List<String>> in) throws EvaluationException {
        return op.apply(List.of(in), backend.forOperator("op0"));
    }

    @Test
    void groupsAppearChangeAndDisappear() throws Exception {
        AggregateOperator op = grouped();
        assertEquals(delta(row("1", "2", "7", "3"), 1, row(null, "1", null, null), 1),
                apply(op, delta(row("1", "3"), 1, row("1", "4"), 1, row(null, null), 1)));
        // deleting the minimum finds the next one; the old row is retracted, never duplicated
        assertEquals(delta(row("1", "2", "7", "3"), -1, row("1", "1", "4", "4"), 1), apply(op, delta(row("1", "3"), -1)));
        assertEquals(delta(row("1", "1", "4", "4"), -1, row(null, "1", null, null), -1),
                apply(op, delta(row("1", "4"), -1, row(null, null), -1)));
        assertEquals(0, backend.size(), "groups without rows leave no state");
    }

    @Test
    void aChangeThatLeavesTheRowAsItWasEmitsNothing() throws Exception {
        AggregateOperator op = grouped();
        apply(op, delta(row("1", "3"), 2, row("1", "5"), 1));
        // rows 3, 3, 5 become 3, 4, 4: same count, sum and minimum
        assertEquals(new ZSet<List<String>>(), apply(op, delta(row("1", "5"), -1, row("1", "3"), -1, row("1", "4"), 2)));
        assertEquals(delta(row("1", "3", "11", "3"), -1, row("1", "3", "10", "2"), 1),
                apply(op, delta(row("1", "3"), -1, row("1", "2"), 1)));
    }

    @Test
    void withoutGroupByThereIsOneRowFromTheFirstTickEvenWithoutInput() throws Exception {
        AggregateOperator op = new AggregateOperator(new int[0], List.of(), List.of(new int[0]),
                List.of(call(new CountFunction(true)), call(new SumAvgFunction(PgType.INT8, false), 0)),
                List.of(new AggregateOperator.Aggregated(0), new AggregateOperator.Aggregated(1)), "scalar");
        assertEquals(delta(row("0", null), 1), apply(op, new ZSet<>()));
        assertEquals(new ZSet<List<String>>(), apply(op, new ZSet<>()));
        assertEquals(delta(row("0", null), -1, row("2", "9223372036854775808"), 1),
                apply(op, delta(row("9223372036854775807"), 1, row("1"), 1)));
        assertEquals(delta(row("2", "9223372036854775808"), -1, row("0", null), 1),
                apply(op, delta(row("9223372036854775807"), -1, row("1"), -1)));
        assertEquals(1, backend.size(), "only the row's own bookkeeping stays");
    }

    @Test
    void distinctCallsSeeEachValueOnceAndFilterDropsRows() throws Exception {
        // count(DISTINCT x) FILTER (WHERE ok) over (x numeric, ok bool): 1.0 and 1.00 are one value
        AggregateOperator.Call distinct = new AggregateOperator.Call(new CountFunction(false), new int[] {0}, 1, true,
                new ValueEquality(List.of(PgType.NUMERIC)));
        AggregateOperator op = new AggregateOperator(new int[0], List.of(), List.of(new int[0]), List.of(distinct),
                List.of(new AggregateOperator.Aggregated(0)), "distinct");
        apply(op, new ZSet<>());
        assertEquals(delta(row("0"), -1, row("1"), 1),
                apply(op, delta(row("1.0", "t"), 1, row("1.00", "t"), 2, row("2", "f"), 1, row(null, "t"), 1)));
        assertEquals(new ZSet<List<String>>(), apply(op, delta(row("1.0", "t"), -1)));
        assertEquals(delta(row("1"), -1, row("0"), 1), apply(op, delta(row("1.00", "t"), -2)));
    }

    @Test
    void groupingSetsNullTheColumnsTheyDoNotGroupByAndGroupingSaysWhich() throws Exception {
        // GROUP BY ROLLUP(a, b) over (a, b): sets {a, b}, {a}, {}; output a, b, GROUPING(a, b), count(*), any_value(a)
        AggregateOperator op = new AggregateOperator(new int[] {0, 1}, List.of(PgType.INT4, PgType.TEXT),
                List.of(new int[] {0, 1}, new int[] {0}, new int[0]), List.of(call(new CountFunction(true))),
                List.of(new AggregateOperator.Grouping(new int[] {0, 1}), new AggregateOperator.Aggregated(0),
                        new AggregateOperator.GroupColumn(0)), "rollup");
        assertEquals(delta(row("1", "x", "0", "2", "1"), 1, row("1", null, "1", "2", "1"), 1, row(null, null, "3", "2", null), 1),
                apply(op, delta(row("1", "x"), 2)));
        assertEquals(delta(row("1", "x", "0", "2", "1"), -1, row("1", null, "1", "2", "1"), -1, row(null, null, "3", "2", null), -1,
                        row(null, null, "3", "0", null), 1),
                apply(op, delta(row("1", "x"), -2)));
        assertEquals(1, backend.size(), "only the grand total's bookkeeping stays");
    }

    @Test
    void moreDeletionsThanInsertionsAreABug() {
        AggregateOperator op = grouped();
        assertThrows(IllegalStateException.class, () -> apply(op, delta(row("1", "3"), -1)));
    }

    @Test
    void floatSumsOverflowAsPostgresReportsIt() throws Exception {
        AggregateOperator op = new AggregateOperator(new int[0], List.of(), List.of(new int[0]),
                List.of(call(new SumAvgFunction(PgType.FLOAT8, false), 0)), List.of(new AggregateOperator.Aggregated(0)), "sum");
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> apply(op, delta(row("1e308"), 1, row("1.5e308"), 1)));
        assertEquals("value out of range: overflow", e.getMessage());
    }

    @Test
    void aTickTouchesOnlyTheGroupsItsRowsFallIn() throws Exception {
        AggregateOperator op = grouped();
        ZSet<List<String>> fill = new ZSet<>();
        for (int i = 0; i < 2000; i++) {
            fill.add(row(Integer.toString(i % 500), Integer.toString(i)), 1);
        }
        apply(op, fill);
        CountingOperatorState counting = new CountingOperatorState(backend.forOperator("op0"));
        // a non-extreme value out of one group, one into another: no scans, a handful of reads and writes
        op.apply(List.of(delta(row("7", "1007"), -1, row("8", "5"), 1)), counting);
        assertEquals(0, counting.scans());
        assertTrue(counting.reads() + counting.writes() <= 12, counting.reads() + " reads, " + counting.writes() + " writes");
        // deleting a group's minimum scans that group's values only
        op.apply(List.of(delta(row("9", "9"), -1)), counting);
        assertEquals(1, counting.scans());
        assertEquals(3, counting.scanned());
    }

    @Test
    void anIdleTickCostsOneReadEvenForAListAggregate() throws Exception {
        AggregateOperator op = new AggregateOperator(new int[0], List.of(), List.of(new int[0]),
                List.of(call(ListFunction.stringAgg(PgType.TEXT, PgType.TEXT, new ElementOrder(List.of())), 0, 1)),
                List.of(new AggregateOperator.Aggregated(0)), "string_agg");
        assertEquals(delta(row((String) null), 1), apply(op, new ZSet<>()));
        assertEquals(delta(row((String) null), -1, row("a,b"), 1), apply(op, delta(row("a", ","), 1, row("b", ","), 1)));
        CountingOperatorState counting = new CountingOperatorState(backend.forOperator("op0"));
        assertEquals(new ZSet<List<String>>(), op.apply(List.of(new ZSet<>()), counting));
        assertEquals(0, counting.scans());
        assertEquals(1, counting.reads());
    }
}
