package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The expression evaluator through the whole compiler, one expression over one row at a time; expected
 * values are what PostgreSQL 15 returns (checked with psql). Row: i=7, z=0, nul=NULL, n=12.50, f=0.1, t='hello'.
 */
class ExpressionTest {
    private static final SourceTable T = new SourceTable("public", "t", List.of(
            new SourceColumn("i", "integer"), new SourceColumn("z", "integer"), new SourceColumn("nul", "integer"),
            new SourceColumn("s", "smallint"), new SourceColumn("big", "bigint"), new SourceColumn("n", "numeric(10,2)"),
            new SourceColumn("f", "double precision"), new SourceColumn("t", "text"), new SourceColumn("c", "character(4)"),
            new SourceColumn("yes", "boolean"), new SourceColumn("no", "boolean"), new SourceColumn("unk", "boolean"),
            new SourceColumn("d", "date"), new SourceColumn("ts", "timestamp without time zone")));
    private static final Map<String, String> ROW = new HashMap<>(Map.ofEntries(
            Map.entry("i", "7"), Map.entry("z", "0"), Map.entry("s", "32767"), Map.entry("big", "9223372036854775807"),
            Map.entry("n", "12.50"), Map.entry("f", "0.1"), Map.entry("t", "hello"), Map.entry("c", "ab  "),
            Map.entry("yes", "t"), Map.entry("no", "f"), Map.entry("d", "2024-02-29"), Map.entry("ts", "2024-02-29 13:45:00.5")));

    /** The expression's value as the pipeline outputs it (PostgreSQL text; "null" for NULL). */
    static String eval(String expression) throws Exception {
        var compiled = QueryCompiler.compile("SELECT " + expression + " AS x FROM t", List.of("public"),
                (schema, name) -> name.equals("t") ? Optional.of(T) : Optional.empty());
        ZSet<Map<String, String>> in = new ZSet<>();
        in.add(ROW, 1);
        List<List<String>> out = new ArrayList<>(compiled.pipeline().apply(Map.of("public.t", in)).asMap().keySet());
        return String.valueOf(out.get(0).get(0));
    }

    private static String error(String expression) {
        return assertThrows(EvaluationException.class, () -> eval(expression)).getMessage();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
        // three-valued logic: FALSE wins over NULL in AND, TRUE wins over NULL in OR
        "yes AND unk => null", "no AND unk => f", "yes OR unk => t", "no OR unk => null", "NOT unk => null",
        "unk IS NULL => t", "unk IS NOT TRUE => t", "unk IS NOT FALSE => t", "no IS FALSE => t", "unk IS UNKNOWN => t",
        "nul = nul => null", "nul IS NOT DISTINCT FROM nul => t", "i IS DISTINCT FROM nul => t", "i IS DISTINCT FROM 7 => f",
        "i IN (1, 7) => t", "i IN (1, nul) => null", "i NOT IN (1, nul) => null", "i NOT IN (1, 2) => t",
        "i BETWEEN 1 AND 7 => t", "nul BETWEEN 1 AND 2 => null",
        // comparisons across numeric types and text by code point
        "i = 7.0 => t", "n > 12.4999 => t", "f = 0.1 => t", "f::real = 0.1 => f", "'B' < 'a' => t", "c = 'ab' => t",
        "d < ts => t", "d = '2024-02-29' => t",
        // CASE and friends
        "CASE WHEN unk THEN 1 WHEN yes THEN 2 END => 2", "CASE WHEN no THEN 1 END => null", "CASE i WHEN 7 THEN 'seven' END => seven",
        "COALESCE(nul, n, 1) => 12.50", "COALESCE(nul, 1.5) => 1.5", "NULLIF(i, 7) => null", "NULLIF(i, 8) => 7",
        "GREATEST(1, nul, i) => 7", "LEAST(nul, nul) => null", "GREATEST(i, n) => 12.50", "LEAST(d, ts) => 2024-02-29 00:00:00",
        // integer arithmetic: truncating division, remainder takes the dividend's sign
        "-7 / 2 => -3", "7 / -2 => -3", "-7 % 3 => -1", "i / 2 => 3", "s + 1 => 32768", "-i => -7", "abs(-i) => 7",
        // numeric: exact, PostgreSQL's scales
        "n * 2 => 25.00", "n + 1 => 13.50", "n / 3 => 4.1666666666666667", "1 / 3.0 => 0.33333333333333333333",
        "7.0 / 3 => 2.3333333333333333", "10.5 % 3 => 1.5", "0.001 / 7 => 0.00014285714285714286", "i::numeric / 2 => 3.5000000000000000",
        "round(2.5) => 3", "round(-2.5) => -3", "round(n, 1) => 12.5", "round(1234.5, -2) => 1200", "trunc(-2.7) => -2",
        "floor(-2.5) => -3", "ceil(-2.5) => -2", "round(i) => 7", "round(2.5::float8) => 2", "mod(-7, 3) => -1",
        // floats
        "f * 3 => 0.30000000000000004", "1e20::float8 => 1e+20", "0.00001::float8 => 1e-05", "f + i => 7.1", "sqrt(2) => 1.4142135623730951",
        "power(2, 10) => 1024", "2 ^ 10 => 1024", "1234567::real => 1.234567e+06",
        // strings
        "t || ' ' || i => hello 7", "t || nul => null", "c || '|' => ab|", "upper(t) => HELLO", "length(c) => 2",
        "substring(t from 2 for 3) => ell", "substring(t from -1 for 3) => h", "substr(t, 0, 3) => he", "left(t, -2) => hel",
        "right(t, -2) => llo", "position('l' in t) => 3", "strpos(t, 'z') => 0", "replace(t, 'l', '') => heo",
        "trim(both 'h' from t) => ello", "btrim('xxhixx', 'x') => hi", "rtrim('hi  ') => hi", "concat(t, nul, yes, n) => hellot12.50",
        "'a' || yes => atrue", "t LIKE 'h%o' => t", "t LIKE 'h_' => f", "'50%' LIKE '50\\%' => t", "'a_c' LIKE 'a!_c' ESCAPE '!' => t",
        "'abc' LIKE 'a%' ESCAPE '' => t", "t ILIKE 'HE%' => t", "t NOT LIKE '%z%' => t", "c LIKE 'ab' => f", "c LIKE 'ab__' => t",
        // casts
        "2.5::int => 3", "(-2.5)::int => -3", "2.5::float8::int => 2", "3.5::float8::int => 4", "' 12 '::int => 12", "n::int => 13",
        "12.345::numeric(4,2) => 12.35", "'1.5e3'::numeric => 1500", "i::numeric(5,2) => 7.00", "f::numeric => 0.1", "yes::text => true",
        "yes::int => 1", "z::bool => f", "'on'::bool => t", "'abcdef'::varchar(3) => abc", "'ab'::char(4) => `ab  `", "n::text => 12.50",
        "d::timestamp => 2024-02-29 00:00:00", "ts::date => 2024-02-29", "ts::timestamp(0) => 2024-02-29 13:45:01", "d::text => 2024-02-29",
        "'1.5'::float8::text => 1.5", "1e100::float8::text => 1e+100",
        "1 + i::numeric * 2 => 15", "i::text || i::text => 77", "(i + 1)::text || 'x' => 8x", "- n::int => -13",
        "yes AND i::text = '7' => t", "upper(t)::varchar(3)::text => HEL", "DATE '2024-01-01'::text => 2024-01-01"})
    void evaluatesLikePostgres(String expression, String expected) throws Exception {
        assertEquals(expected, eval(expression), expression);
    }

    @ParameterizedTest(name = "{0} fails with {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
        "i / z => division by zero", "n / z => division by zero", "f / z => division by zero", "i % z => division by zero",
        "2147483647 + i => integer out of range", "s * s::smallint => smallint out of range", "big + 1 => bigint out of range",
        "(-2147483648)::int / -1 => integer out of range", "-big - 2 => bigint out of range",
        "abs((-2147483648)::int) => integer out of range", "1e308::float8 * 10 => value out of range: overflow",
        "1e-300::float8 * 1e-300::float8 => value out of range: underflow", "'x'::int => invalid input syntax for type integer: \"x\"",
        "''::int => invalid input syntax for type integer: \"\"", "'99999999999'::int => value \"99999999999\" is out of range for type integer",
        "'abc'::numeric => invalid input syntax for type numeric: \"abc\"", "n::numeric(2,1) => numeric field overflow",
        "'maybe'::bool => invalid input syntax for type boolean: \"maybe\"", "1e10::bigint * 1e10::bigint => bigint out of range",
        "'2024-02-30'::date => date/time field value out of range: \"2024-02-30\"", "'x'::date => invalid input syntax for type date: \"x\"",
        "t LIKE 'a\\' => LIKE pattern must not end with escape character", "t LIKE 'a' ESCAPE 'xy' => invalid escape string",
        "substring(t from 1 for -1) => negative substring length not allowed", "sqrt(-1) => cannot take square root of a negative number",
        "power(0, -1) => zero raised to a negative power is undefined", "n::float4 * 1e38::float4 => value out of range: overflow"})
    void failsLikePostgres(String expression, String message) {
        assertEquals(message, error(expression), expression);
    }

    @Test
    void passThroughKeepsTheInputText() throws Exception {
        Map<String, String> saved = new HashMap<>(ROW);
        ROW.put("f", "1e+100");
        ROW.put("n", "0012.5");
        try {
            assertEquals("1e+100", eval("f"));
            assertEquals("0012.5", eval("n"));
            assertEquals("1e+100", eval("f * 1"));
        } finally {
            ROW.clear();
            ROW.putAll(saved);
        }
    }

    @Test
    void nullComesOutAsNull() throws Exception {
        assertEquals("null", eval("nul + 1"));
        assertEquals("null", eval("upper(NULL)"));
    }
}
