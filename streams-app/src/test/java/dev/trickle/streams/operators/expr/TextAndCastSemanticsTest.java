package dev.trickle.streams.operators.expr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** LIKE, string functions, casts and date/time text, with PostgreSQL 15's results as the expected values. */
class TextAndCastSemanticsTest {
    private static boolean like(String s, String pattern, String escape) throws EvaluationException {
        return LikePattern.compile(pattern, escape, false).matches(s);
    }

    @Test
    void likeEscapes() throws Exception {
        assertTrue(like("50%", "50\\%", null), "backslash is the default escape");
        assertFalse(like("50x", "50\\%", null));
        assertTrue(like("a_b", "a!_b", "!"));
        assertFalse(like("axb", "a!_b", "!"));
        assertTrue(like("a\\b", "a\\b", ""), "ESCAPE '' disables escaping");
        assertTrue(like("a.*b", "a.*b", null), "regex metacharacters are literal");
        assertTrue(like("line1\nline2", "line1%", null), "% spans newlines");
        assertTrue(like("é", "_", null), "_ is one character, not one UTF-16 unit");
        assertTrue(like("\uD83D\uDE00", "_", null));
        assertEquals("LIKE pattern must not end with escape character",
                assertThrows(EvaluationException.class, () -> like("a", "a\\", null)).getMessage());
        assertEquals("invalid escape string", assertThrows(EvaluationException.class, () -> like("a", "a", "ab")).getMessage());
        assertTrue(LikePattern.compile("HE%", null, true).matches("hello"));
    }

    @Test
    void stringFunctionsCountCodePoints() throws Exception {
        String s = "a\uD83D\uDE00bc";
        assertEquals(4, PgStrings.length(s));
        assertEquals("\uD83D\uDE00b", PgStrings.substring(s, 2, 2L));
        assertEquals("", PgStrings.substring("hello", 10, 2L));
        assertEquals("h", PgStrings.substring("hello", -1, 3L));
        assertEquals("hello", PgStrings.substring("hello", -5, null));
        assertEquals(3, PgStrings.position("b", s));
        assertEquals(1, PgStrings.position("", "abc"));
        assertEquals("abc", PgStrings.replace("abc", "", "x"));
        assertEquals("ÉTÉ", PgStrings.upper("été"));
        assertEquals("ß", PgStrings.upper("ß"));
        assertEquals("hi", PgStrings.trim("xyhiyx", "xy", true, true));
        assertEquals("hiyx", PgStrings.trim("xyhiyx", "xy", true, false));
        assertEquals("bc", PgStrings.right(s, 2));
        assertEquals("a\uD83D\uDE00", PgStrings.left(s, -2));
    }

    @Test
    void castsFollowPostgres() throws Exception {
        assertEquals(12L, PgCasts.cast(" 12 ", PgType.TEXT, PgType.INT4));
        assertEquals(2L, PgCasts.cast(2.5, PgType.FLOAT8, PgType.INT4), "float to int rounds half to even");
        assertEquals(3L, PgCasts.cast(new BigDecimal("2.5"), PgType.NUMERIC, PgType.INT4), "numeric rounds away from zero");
        assertEquals("true", PgCasts.cast(true, PgType.BOOL, PgType.TEXT));
        assertEquals("ab", PgCasts.cast("ab  ", PgType.withLength(PgType.Kind.BPCHAR, 4), PgType.TEXT));
        assertEquals("ab ", PgCasts.cast("ab", PgType.TEXT, PgType.withLength(PgType.Kind.BPCHAR, 3)));
        assertEquals("ab", PgCasts.cast("abc", PgType.TEXT, PgType.withLength(PgType.Kind.VARCHAR, 2)));
        assertEquals(new BigDecimal("7.00"), PgCasts.cast(7L, PgType.INT4, PgType.numeric(5, 2)));
        assertEquals(Boolean.TRUE, PgCasts.cast("YES", PgType.TEXT, PgType.BOOL));
        assertEquals(Boolean.FALSE, PgCasts.cast("of", PgType.TEXT, PgType.BOOL));
        assertEquals(LocalDate.of(2024, 1, 15), PgCasts.cast("2024-01-15 10:00", PgType.TEXT, PgType.DATE));
        assertEquals("value \"70000\" is out of range for type smallint",
                assertThrows(EvaluationException.class, () -> PgCasts.cast("70000", PgType.TEXT, PgType.INT2)).getMessage());
        assertEquals("smallint out of range",
                assertThrows(EvaluationException.class, () -> PgCasts.cast(70000L, PgType.INT4, PgType.INT2)).getMessage());
        assertNull(PgCasts.cast(null, PgType.TEXT, PgType.INT4));
        assertTrue(PgCasts.unsupportedReason(PgType.other("uuid"), PgType.TEXT).contains("uuid"));
        assertTrue(PgCasts.unsupportedReason(PgType.DATE, PgType.INT4).contains("cannot cast"));
    }

    @Test
    void dateTimeTextRoundTrips() throws Exception {
        assertEquals("0044-03-15 BC", PgDateTime.formatDate(PgDateTime.parseDate("0044-03-15 BC")));
        assertEquals("infinity", PgDateTime.formatDate(PgDateTime.parseDate("infinity")));
        assertEquals("2024-01-01 10:00:00.123458", PgDateTime.formatTimestamp(PgDateTime.parseTimestamp("2024-01-01 10:00:00.1234575")));
        assertEquals(LocalDateTime.of(2024, 1, 2, 0, 0), PgDateTime.parseTimestamp("2024-01-01 24:00:00"));
        assertEquals("2024-01-01 10:00:01", PgDateTime.formatTimestamp(
                PgDateTime.roundToPrecision(PgDateTime.parseTimestamp("2024-01-01 10:00:00.5"), 0)));
        assertEquals("1999-01-01 10:00:00", PgDateTime.formatTimestamp(
                PgDateTime.roundToPrecision(PgDateTime.parseTimestamp("1999-01-01 10:00:00.5"), 0)));
        assertEquals(PgDateTime.parseTimestamptz("2024-01-01 10:00:00+00").instant(),
                PgDateTime.parseTimestamptz("2024-01-01 15:30:00+05:30").instant());
        assertEquals("date/time field value out of range: \"2023-02-29\"",
                assertThrows(EvaluationException.class, () -> PgDateTime.parseDate("2023-02-29")).getMessage());
    }

    @Test
    void typesParseFromFormatType() {
        assertEquals(PgType.numeric(10, 2), PgType.parse("numeric(10,2)"));
        assertEquals(PgType.withLength(PgType.Kind.VARCHAR, 20), PgType.parse("character varying(20)"));
        assertEquals(PgType.Kind.TIMESTAMP, PgType.parse("timestamp(3) without time zone").kind());
        assertEquals(PgType.Kind.TIMESTAMPTZ, PgType.parse("timestamp with time zone").kind());
        assertEquals(PgType.Kind.OTHER, PgType.parse("integer[]").kind());
        assertEquals(PgType.Kind.OTHER, PgType.parse("\"char\"").kind());
        assertEquals("numeric(10,2)", PgType.parse("numeric(10,2)").sqlName());
    }
}
