package dev.trickle.streams.operators.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pieces with PostgreSQL's own rules: state encoding, square roots, array text, key equality. */
class FunctionSemanticsTest {
    @Test
    void codecKeepsAnyTextAndNullsAndIsSelfDelimiting() {
        List<String> values = Arrays.asList("", null, "a\u0001b\u0002c\u0003d", "x", "\u0003");
        assertEquals(values, Codec.decode(Codec.encode(values)));
        assertEquals(List.of(), Codec.decode(""));
        assertEquals(Arrays.asList((String) null), Codec.decode(Codec.encode((String) null)));
        // a list's encoding is a prefix of a longer list's with the same start, never of another list's
        String ab = Codec.encode("a", "b");
        assertEquals(true, Codec.encode("a", "b", "c").startsWith(ab));
        assertEquals(false, Codec.encode("a", "bc").startsWith(ab));
    }

    @ParameterizedTest
    @CsvSource({
        // sqrt_var: truncated one digit below the scale, then rounded half up (values from PostgreSQL 15)
        "0.42187500000000000000, 0.64951905283832898507",
        "0.37500000000000000000, 0.61237243569579452455",
        "2.0000000000000000, 1.4142135623730950",
        "0.25, 0.50",
        "0, 0"})
    void numericSquareRootsRoundAsPostgres(String value, String root) {
        assertEquals(root, VarianceFunction.sqrt(new BigDecimal(value)).toPlainString());
    }

    @Test
    void arraysAreQuotedAsArrayOutQuotesThem() {
        StringBuilder b = new StringBuilder();
        for (String v : Arrays.asList("{a}", "a,b", "NULL", "null", "a b", "a\\b", " ", "\t", "()", "x'y", "x\"y", "", null, "ok")) {
            PgArrays.appendElement(b.append(b.length() == 0 ? "" : ","), v);
        }
        assertEquals("\"{a}\",\"a,b\",\"NULL\",\"null\",\"a b\",\"a\\\\b\",\" \",\"\t\",(),x'y,\"x\\\"y\",\"\",NULL,ok", b.toString());
    }

    @Test
    void equalKeysWrittenDifferentlyShareOneCanonicalForm() {
        ValueEquality eq = new ValueEquality(List.of(PgType.NUMERIC, PgType.FLOAT8, PgType.of(PgType.Kind.BPCHAR), PgType.TEXT));
        assertEquals(eq.canonical(Arrays.asList("1.0", "-0", "ab  ", "a ")), eq.canonical(Arrays.asList("1.000", "0", "ab", "a ")));
        assertEquals(Arrays.asList("0", "NaN", null, "a"), eq.canonical(Arrays.asList("0.00", "NaN", null, "a")));
        assertEquals(false, eq.canonical(List.of("1", "0", "a", "a ")).equals(eq.canonical(List.of("1", "0", "a", "a"))));
    }

    @Test
    void numericOrderPutsNanAboveEverything() {
        PgType n = PgType.NUMERIC;
        assertEquals(true, ValueOrder.compare("NaN", "Infinity", n) > 0);
        assertEquals(true, ValueOrder.compare("-Infinity", "-1e9", n) < 0);
        assertEquals(0, ValueOrder.compare("1.0", "1.00", n));
        assertEquals(true, ValueOrder.compare("é", "z", PgType.TEXT) > 0);
    }
}
