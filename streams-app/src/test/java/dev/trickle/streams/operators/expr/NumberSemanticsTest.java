package dev.trickle.streams.operators.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** integer, numeric and float rules, with PostgreSQL 15's results as the expected values. */
class NumberSemanticsTest {
    @ParameterizedTest(name = "{0} / {1} = {2}")
    @CsvSource({"1, 3.0, 0.33333333333333333333", "7.0, 3, 2.3333333333333333", "123456789.0, 7, 17636684.142857142857",
        "0.001, 7, 0.00014285714285714286", "10, 4, 2.5000000000000000", "1.00000, 3, 0.33333333333333333333",
        "12.50, 3, 4.1666666666666667", "99999, 0.001, 99999000.000000000000", "-1, 3, -0.33333333333333333333",
        "2, 3, 0.66666666666666666667", "1, 0.0000003, 3333333.333333333333"})
    void numericDivisionUsesSelectDivScaleAndRoundsHalfAwayFromZero(String a, String b, String expected) throws Exception {
        assertEquals(expected, PgNumerics.divide(new BigDecimal(a), new BigDecimal(b)).toPlainString());
    }

    @Test
    void numericRemainderRoundingAndModifiers() throws Exception {
        assertEquals("1.5", PgNumerics.remainder(new BigDecimal("10.5"), new BigDecimal("3")).toPlainString());
        assertEquals("-1.50", PgNumerics.remainder(new BigDecimal("-10.5"), new BigDecimal("3.00")).toPlainString());
        assertEquals("3", PgNumerics.round(new BigDecimal("2.5"), 0).toPlainString());
        assertEquals("-3", PgNumerics.round(new BigDecimal("-2.5"), 0).toPlainString());
        assertEquals("2.50000", PgNumerics.round(new BigDecimal("2.5"), 5).toPlainString());
        assertEquals("1200", PgNumerics.round(new BigDecimal("1234.5"), -2).toPlainString());
        assertEquals("-2.7", PgNumerics.trunc(new BigDecimal("-2.789"), 1).toPlainString());
        assertEquals("12.35", PgNumerics.applyTypmod(new BigDecimal("12.345"), 4, 2).toPlainString());
        assertEquals("0.00", PgNumerics.applyTypmod(new BigDecimal("0.001"), 2, 2).toPlainString());
        assertEquals("numeric field overflow",
                assertThrows(EvaluationException.class, () -> PgNumerics.applyTypmod(new BigDecimal("99.995"), 4, 2)).getMessage());
        assertEquals(3, PgNumerics.toInteger(new BigDecimal("2.5"), PgType.INT4));
        assertEquals(-3, PgNumerics.toInteger(new BigDecimal("-2.5"), PgType.INT4));
        assertEquals("0.333333333333333", PgNumerics.fromFloat(1.0 / 3, 15).toPlainString());
        assertEquals("100000000000000000000", PgNumerics.fromFloat(1e20, 15).toPlainString());
        assertEquals("0.00001", PgNumerics.fromFloat(1e-5, 15).toPlainString());
    }

    @Test
    void integerOverflowAndDivision() throws Exception {
        assertEquals("integer out of range", assertThrows(EvaluationException.class,
                () -> PgIntegers.add(Integer.MAX_VALUE, 1, PgType.INT4)).getMessage());
        assertEquals("smallint out of range", assertThrows(EvaluationException.class,
                () -> PgIntegers.multiply(200, 200, PgType.INT2)).getMessage());
        assertEquals("bigint out of range", assertThrows(EvaluationException.class,
                () -> PgIntegers.subtract(Long.MIN_VALUE, 1, PgType.INT8)).getMessage());
        assertEquals("integer out of range", assertThrows(EvaluationException.class,
                () -> PgIntegers.divide(Integer.MIN_VALUE, -1, PgType.INT4)).getMessage());
        assertEquals("division by zero", assertThrows(EvaluationException.class,
                () -> PgIntegers.remainder(1, 0)).getMessage());
        assertEquals(-3, PgIntegers.divide(-7, 2, PgType.INT4));
        assertEquals(-1, PgIntegers.remainder(-7, 3));
        assertEquals(0, PgIntegers.remainder(Long.MIN_VALUE, -1));
        assertEquals(40000, PgIntegers.add(20000, 20000, PgType.INT4));
    }

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({"0.1, 0.1", "1e20, 1e+20", "1e15, 1e+15", "1e14, 100000000000000", "123456789012345.6, 123456789012345.6",
        "0.0001, 0.0001", "0.00001234, 1.234e-05", "-2.5, -2.5", "0.30000000000000004, 0.30000000000000004",
        "1.7976931348623157e308, 1.7976931348623157e+308", "5e-324, 5e-324", "-0.0, -0", "100, 100"})
    void doublesPrintLikeFloat8out(double value, String expected) {
        assertEquals(expected, PgFloats.format(value));
    }

    @Test
    void floatsPrintReadAndCheckRangeLikePostgres() throws Exception {
        assertEquals("1.234567e+06", PgFloats.format(1234567f));
        assertEquals("123456", PgFloats.format(123456f));
        assertEquals("0.1", PgFloats.format(0.1f));
        assertEquals("NaN", PgFloats.format(Double.NaN));
        assertEquals("-Infinity", PgFloats.format(Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, PgFloats.parseDouble(" inf ", "double precision"));
        assertEquals("\"1e400\" is out of range for type double precision",
                assertThrows(EvaluationException.class, () -> PgFloats.parseDouble("1e400", "double precision")).getMessage());
        assertEquals("invalid input syntax for type double precision: \"1.2.3\"",
                assertThrows(EvaluationException.class, () -> PgFloats.parseDouble("1.2.3", "double precision")).getMessage());
        assertEquals("value out of range: overflow",
                assertThrows(EvaluationException.class, () -> PgFloats.checkProduct(1e308 * 10, 1e308, 10)).getMessage());
        assertEquals("division by zero", assertThrows(EvaluationException.class, () -> PgFloats.divide(1, 0)).getMessage());
    }

    @Test
    void comparisonsFollowPostgres() {
        assertEquals(0, PgCompare.compare(Double.NaN, Double.NaN));
        assertEquals(1, PgCompare.compare(Double.NaN, Double.POSITIVE_INFINITY));
        assertEquals(0, PgCompare.compare(-0.0, 0.0));
        assertEquals(0, PgCompare.compare(new BigDecimal("1.0"), new BigDecimal("1.00")));
        // U+FF5E sorts below U+1F600 by code point, although its UTF-16 unit is larger than the surrogate's
        assertEquals(-1, Integer.signum(PgCompare.compareCodePoints("\uFF5E", "\uD83D\uDE00")));
        assertEquals(-1, Integer.signum(PgCompare.compareCodePoints("B", "a")));
        assertEquals(-1, Integer.signum(PgCompare.compareCodePoints("ab", "ab ")));
    }
}
