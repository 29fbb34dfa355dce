package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.FilterOperator;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.ProjectOperator;
import dev.trickle.streams.operators.SourceScan;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Z-set consolidation and the linear operators' weight handling. */
class ZSetAndOperatorsTest {
    @Test
    void zsetsSumWeightsAndDropZeros() {
        ZSet<String> z = new ZSet<>();
        z.add("a", 2).add("b", 1).add("a", -2).add("c", 0);
        assertEquals(Map.of("b", 1L), z.asMap());
        assertEquals(1, z.size());
        z.add("b", -1);
        assertTrue(z.isEmpty());
        assertEquals(new ZSet<String>().add("x", 3), new ZSet<String>().add("x", 1).addAll(new ZSet<String>().add("x", 2)));
        assertThrows(ArithmeticException.class, () -> new ZSet<String>().add("x", Long.MAX_VALUE).add("x", 1));
    }

    @Test
    void scanFilterAndProjectKeepWeightsAndConsolidate() throws Exception {
        Map<String, String> r1 = new HashMap<>(Map.of("k", "1", "v", "x"));
        Map<String, String> r2 = new HashMap<>(Map.of("k", "2"));
        ZSet<Map<String, String>> delta = new ZSet<>();
        delta.add(r1, 3).add(r2, -1);
        ZSet<List<String>> rows = new SourceScan("public.t", List.of("k", "v")).read(delta);
        assertEquals(Map.of(List.of("1", "x"), 3L, Arrays.asList("2", null), -1L), rows.asMap());

        FilterOperator keepNonNullV = new FilterOperator(row -> row.get(1) == null ? null : Boolean.TRUE, "v is not null");
        assertEquals(Map.of(List.of("1", "x"), 3L), keepNonNullV.apply(List.of(rows), OperatorState.NONE).asMap());

        // both rows project to the same output row: their weights are summed (3 - 1)
        ProjectOperator constant = new ProjectOperator(List.of(ProjectOperator.Column.computed(row -> 1L, PgType.INT4)), "1");
        assertEquals(Map.of(List.of("1"), 2L), constant.apply(List.of(rows), OperatorState.NONE).asMap());
        ProjectOperator passThrough = new ProjectOperator(List.of(ProjectOperator.Column.passThrough(1)), "$1");
        assertEquals(Map.of(List.of("x"), 3L, Arrays.asList((String) null), -1L),
                passThrough.apply(List.of(rows), OperatorState.NONE).asMap());
    }

    @Test
    void stateStoresArePrivatePerOperatorAndScanByPrefix() {
        InMemoryStateBackend backend = new InMemoryStateBackend();
        TextState counts = TextState.of(backend.forOperator("op1").store("counts"));
        counts.put("k|a", "2");
        counts.put("k|b", "3");
        counts.put("l|a", "4");
        assertEquals("2", TextState.of(backend.forOperator("op1").store("counts")).get("k|a"));
        assertEquals(null, TextState.of(backend.forOperator("op2").store("counts")).get("k|a"), "operators do not share state");
        assertEquals(List.of(Map.entry("k|a", "2"), Map.entry("k|b", "3")), counts.prefix("k|"));
        counts.put("k|a", null);
        assertEquals(null, counts.get("k|a"));
        assertEquals(2, backend.size());
        backend.clear();
        assertEquals(List.of(), counts.prefix(""));
        assertThrows(IllegalStateException.class, () -> OperatorState.NONE.store("x"));
    }
}
