package dev.trickle.streams.operators.topk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.rows.PgType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Order keys sort as PostgreSQL sorts values: per type, values listed in PostgreSQL's order must get
 * increasing keys (decreasing under DESC), NULLs at the requested end, and values PostgreSQL's ordering
 * calls equal must get equal keys.
 */
class OrderKeyCodecTest {
    private static String key(PgType type, boolean descending, boolean nullsFirst, String value) throws Exception {
        return new OrderKeyCodec(List.of(new SortKey(0, type, descending, nullsFirst))).encode(Arrays.asList(value));
    }

    /** {@code ordered} is in PostgreSQL's ascending order, all distinct under it. */
    private static void assertOrder(PgType type, String... ordered) throws Exception {
        for (boolean descending : new boolean[] {false, true}) {
            for (boolean nullsFirst : new boolean[] {false, true}) {
                List<String> expected = new ArrayList<>(Arrays.asList(ordered));
                if (descending) {
                    Collections.reverse(expected);
                }
                expected.add(nullsFirst ? 0 : expected.size(), null);
                List<String> keys = new ArrayList<>();
                for (String v : expected) {
                    keys.add(key(type, descending, nullsFirst, v));
                }
                for (int i = 1; i < keys.size(); i++) {
                    assertTrue(keys.get(i - 1).compareTo(keys.get(i)) < 0, type + (descending ? " DESC" : "")
                            + (nullsFirst ? " NULLS FIRST" : "") + ": " + expected.get(i - 1) + " before " + expected.get(i));
                }
                for (String k : keys) {
                    assertTrue(k.chars().allMatch(c -> c < 0xD800), "keys stay below the surrogates");
                }
            }
        }
    }

    private static void assertEqualKeys(PgType type, String a, String b) throws Exception {
        assertEquals(key(type, false, false, a), key(type, false, false, b), a + " = " + b);
        assertEquals(key(type, true, true, a), key(type, true, true, b), a + " = " + b);
    }

    @Test
    void numbersInValueOrder() throws Exception {
        assertOrder(PgType.INT4, "-2147483648", "-10", "-1", "0", "1", "9", "10", "2147483647");
        assertOrder(PgType.INT8, "-9223372036854775808", "-1", "0", "9223372036854775807");
        assertOrder(PgType.NUMERIC, "-Infinity", "-1000", "-99.5", "-1.01", "-1", "-0.5", "-0.0001", "0", "0.0001", "0.5",
                "0.55", "1", "1.01", "9.99", "10", "99.5", "100", "1000.00001", "Infinity", "NaN");
        assertOrder(PgType.FLOAT8, "-Infinity", "-1e+300", "-1.5", "-1e-300", "0", "1e-300", "0.25", "1.5", "1e+300",
                "Infinity", "NaN");
        assertOrder(PgType.FLOAT4, "-Infinity", "-3.5", "0", "3.5", "Infinity", "NaN");
        assertEqualKeys(PgType.NUMERIC, "1.0", "1.00");
        assertEqualKeys(PgType.NUMERIC, "0.00", "0");
        assertEqualKeys(PgType.NUMERIC, "-120", "-120.000");
        assertEqualKeys(PgType.FLOAT8, "-0", "0");
    }

    @Test
    void textByCodePointAndCharWithoutTrailingBlanks() throws Exception {
        // code point order: U+FFFD sorts before a supplementary character (UTF-16 order would not)
        assertOrder(PgType.TEXT, "", " ", "A", "B", "a", "a ", "ab", "b", "é", "\uFFFD", "\uD83D\uDE00");
        assertOrder(PgType.withLength(PgType.Kind.BPCHAR, 4), "", "a", "a b", "ab");
        assertEqualKeys(PgType.withLength(PgType.Kind.BPCHAR, 4), "a  ", "a");
        assertNotEquals(key(PgType.TEXT, false, false, "a "), key(PgType.TEXT, false, false, "a"));
        // the bytes the encoding escapes
        assertOrder(PgType.TEXT, "a", "a\u0001", "a\u0001\u0001", "a\u0002", "ab");
    }

    @Test
    void booleansDatesAndTimestamps() throws Exception {
        assertOrder(PgType.BOOL, "f", "t");
        assertEqualKeys(PgType.BOOL, "t", "true");
        assertOrder(PgType.DATE, "-infinity", "0044-03-15 BC", "1999-12-31", "2000-01-01", "infinity");
        assertOrder(PgType.TIMESTAMP, "-infinity", "1999-12-31 23:59:59.999999", "2000-01-01 00:00:00", "2000-01-01 00:00:00.5",
                "infinity");
        assertOrder(PgType.TIMESTAMPTZ, "2000-01-01 01:00:00+02", "2000-01-01 00:00:00+00", "2000-01-01 00:00:00.000001+00");
        assertEqualKeys(PgType.TIMESTAMPTZ, "2000-01-01 02:00:00+02", "2000-01-01 00:00:00+00");
    }

    @Test
    void laterKeysBreakTiesOfEarlierOnesAndTieKeysOrderWholeRows() throws Exception {
        OrderKeyCodec codec = new OrderKeyCodec(List.of(new SortKey(0, PgType.INT4, false, false),
                new SortKey(1, PgType.TEXT, true, true)));
        List<List<String>> ordered = List.of(Arrays.asList("1", null), Arrays.asList("1", "b"), Arrays.asList("1", "a"),
                Arrays.asList("2", "z"), Arrays.asList(null, "a"));
        for (int i = 1; i < ordered.size(); i++) {
            assertTrue(codec.encode(ordered.get(i - 1)).compareTo(codec.encode(ordered.get(i))) < 0, ordered.get(i - 1) + " first");
        }
        // tie keys are injective and order by text, NULL last
        List<List<String>> rows = List.of(Arrays.asList("a", "b"), Arrays.asList("a", "b", null), Arrays.asList("a", "bc"),
                Arrays.asList("ab", ""), Arrays.asList("b", null), Arrays.asList(null, "a"));
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(OrderKeyCodec.tieKey(rows.get(i - 1)).compareTo(OrderKeyCodec.tieKey(rows.get(i))) < 0, rows.get(i - 1) + " first");
        }
    }
}
