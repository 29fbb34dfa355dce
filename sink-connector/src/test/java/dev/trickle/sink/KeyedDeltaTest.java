package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.AbstractMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which rows of a keyed delta become update lines, and which stay deletes and inserts. */
class KeyedDeltaTest {
    private static StreamTableShape shape(List<Integer> key, int columns) {
        List<String> names = List.of("a", "b", "c").subList(0, columns);
        return new StreamTableShape(1, "\"public\".\"s\"", "ACTIVE", 1, "\"public\".\"s\"", names, "", false, key, 0);
    }

    private static Map.Entry<List<String>, Long> row(long weight, String... values) {
        return new AbstractMap.SimpleEntry<>(Arrays.asList(values), weight);
    }

    @Test
    void aKeyThatLeavesAndComesBackWithOtherValuesIsOneUpdateLine() {
        KeyedDelta d = KeyedDelta.of(shape(List.of(0), 2), List.of(row(-1, "1", "x"), row(1, "1", "y"),
                row(-1, "2", "x"), row(1, "3", "z")));
        assertEquals(List.of(new KeyedDelta.Line(List.of("1", "y"), KeyedDelta.UPDATE_WEIGHT, List.of("1", "x")),
                new KeyedDelta.Line(List.of("2", "x"), -1, null), new KeyedDelta.Line(List.of("3", "z"), 1, null)),
                d.lines());
        assertEquals(1, d.updates());
        assertEquals(Set.of(0L), d.deleteNullPatterns());
        assertTrue(d.inserts());
        assertFalse(d.copies());
    }

    @Test
    void repeatedKeysNullKeysAndOtherWeightsStayDeletesAndInserts() {
        // key 1 leaves twice (only a diverged stream table or a broken delta says so), key NULL, weights 2 and -2
        List<Map.Entry<List<String>, Long>> rows = List.of(row(-1, "1", "x"), row(-1, "1", "w"), row(1, "1", "y"),
                row(-1, null, "x"), row(1, null, "y"), row(-2, "4", "x"), row(2, "4", "y"));
        KeyedDelta d = KeyedDelta.of(shape(List.of(0), 2), rows);
        assertEquals(0, d.updates());
        assertEquals(rows.size(), d.lines().size());
        assertTrue(d.lines().stream().allMatch(l -> l.old() == null));
        assertEquals(Set.of(0L, 1L), d.deleteNullPatterns());
        assertTrue(d.copies());
    }

    @Test
    void whenEveryColumnIsKeyNothingIsPaired() {
        KeyedDelta d = KeyedDelta.of(shape(List.of(0, 1), 2), List.of(row(-1, "1", "x"), row(1, "1", "y")));
        assertEquals(0, d.updates());
        assertEquals(Set.of(0L), d.deleteNullPatterns());
        // a composite key pairs by all of its columns
        KeyedDelta c = KeyedDelta.of(shape(List.of(0, 1), 3), List.of(row(-1, "1", "x", "p"), row(1, "1", "y", "q"),
                row(-1, "2", "x", "p"), row(1, "2", "x", "q")));
        assertEquals(1, c.updates());
        assertEquals(new KeyedDelta.Line(List.of("2", "x", "q"), KeyedDelta.UPDATE_WEIGHT, List.of("2", "x", "p")),
                c.lines().get(2));
    }
}
