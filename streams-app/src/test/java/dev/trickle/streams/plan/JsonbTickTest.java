package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jsonb's operators and functions against PostgreSQL, tick after tick: documents of every kind (objects,
 * nested ones, arrays, scalars, JSON null, SQL NULL), keys in PostgreSQL's order, numbers with their scale,
 * strings with quotes, backslashes, control characters and non-ASCII letters; results printed as jsonb_out
 * prints them, and column names as PostgreSQL gives them (an operator's is ?column?).
 */
class JsonbTickTest {
    private static final String[] DATA = {
        "CREATE TABLE j (id int PRIMARY KEY, g int, doc jsonb, tags jsonb)",
        "INSERT INTO j VALUES"
                + " (1, 1, '{\"a\": 1, \"arr\": [1, \"two\", {\"x\": 3.50}], \"n\": {\"x\": [1, 2], \"y\": null}, \"k\": \"p\"}', '[\"x\", \"y\"]'),"
                + " (2, 1, '{\"a\": \"it''s \\\"q\\\" \\\\ \\n é\", \"longer key\": true, \"b\": false, \"k\": \"q\"}', '{\"x\": 1}'),"
                + " (3, 2, '[1, 2, [3, 4], {\"a\": 1}]', '\"x\"'),"
                + " (4, 2, '\"just a string\"', '[]'),"
                + " (5, 3, '12.500', 'null'),"
                + " (6, 3, 'null', NULL),"
                + " (7, NULL, NULL, '[1, \"x\", [\"x\"]]'),"
                + " (8, 1, '{\"a\": {\"b\": [1, {\"c\": -0.25}]}, \"arr\": [], \"k\": \"p\", \"n\": {\"x\": [2, 1, 1]}}', '[\"y\"]'),"
                + " (9, 2, '{\"a\": [1, 2], \"k\": null, \"aa\": {}, \"a b\": 1e3}', '[[\"x\"]]')"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("UPDATE j SET doc = doc || '{\"a\": 2}' WHERE id IN (1, 9)",
                    "INSERT INTO j VALUES (10, 3, '{\"arr\": [\"a\", \"b\", \"c\"], \"k\": \"q\", \"n\": {\"x\": {\"z\": 1}}}', '[\"z\", \"x\"]')"),
            List.of("UPDATE j SET tags = '[\"x\"]' WHERE tags IS NULL OR id = 4", "DELETE FROM j WHERE id = 2"),
            List.of("UPDATE j SET doc = jsonb_set(doc, '{n,x}', '[9]') WHERE jsonb_typeof(doc) = 'object' AND doc ? 'n'",
                    "UPDATE j SET g = g + 1 WHERE g = 1"),
            List.of("DELETE FROM j WHERE id > 8", "INSERT INTO j VALUES (11, 1, '{\"a\": \"\\u0001 tab\\t\"}', '[1]')"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("jsonb", List.of("j"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // -> and ->> by key and by index (negative from the end), chained; #> and #>> by path
        "SELECT id, doc -> 'a' AS a, doc ->> 'a' AS at, doc -> 'arr' -> 0 AS a0, doc -> 'arr' ->> -1 AS al,"
                + " doc -> 2 AS i2, doc ->> 0 AS i0, doc -> 'n' -> 'x' ->> 1 AS nx1 FROM j",
        "SELECT id, doc #> '{n,x}' AS nx, doc #>> '{n,x}' AS nxt, doc #>> '{arr,1}' AS p1, doc #> '{a,b,1}' AS ab1,"
                + " doc #>> '{}' AS whole, doc #> '{2,-1}' AS neg FROM j",
        // containment and key existence, with PostgreSQL's array and scalar rules
        "SELECT id, doc @> '{\"a\": 1}' AS c1, doc ? 'a' AS e1, tags ? 'x' AS e2, tags @> '[\"x\"]' AS c2,"
                + " doc @> '{\"n\": {\"x\": [1]}}' AS c3, tags @> '\"x\"' AS c4, doc @> '[[3]]' AS c5, tags @> '[[\"x\"]]' AS c6,"
                + " doc @> doc AS c7, doc @> '{}' AS c8, doc @> '12.5' AS c9 FROM j",
        // functions, and an operator's column without alias (?column?)
        "SELECT id, jsonb_typeof(doc), jsonb_typeof(doc -> 'a') AS ta,"
                + " CASE WHEN jsonb_typeof(tags) = 'array' THEN jsonb_array_length(tags) END AS n, doc ->> 'k' FROM j",
        // filters, grouping and DISTINCT on jsonb values and texts
        "SELECT id, g FROM j WHERE doc ->> 'k' = 'p' OR doc @> '{\"b\": false}' OR tags ? 'z'",
        // jsonb equality: numbers as numbers, keys in any order, arrays in order
        "SELECT id, doc -> 'a' = '1' AS a1, doc -> 'a' = '1.0' AS a10, doc -> 'arr' <> '[]' AS ne, doc = doc AS same,"
                + " doc -> 'n' = '{\"y\": null, \"x\": [1, 2]}' AS nx, tags = '[\"x\",\"y\"]' AS t2 FROM j",
        "SELECT doc ->> 'k' AS k, count(*) AS n, sum(g) AS sg FROM j GROUP BY doc ->> 'k'",
        "SELECT DISTINCT doc -> 'arr' AS arr FROM j",
        "SELECT doc -> 'n' AS n, count(*) AS c FROM j GROUP BY doc -> 'n'"})
    void jsonbOperatorsFollowEveryTick(String query) throws Exception {
        oracle.check(query, ROUNDS);
    }

    @Test
    void arrayLengthOfAScalarFailsAsInPostgresql() throws Exception {
        String error = oracle.checkFailsAtLastTick("SELECT id, jsonb_array_length(tags) AS n FROM j WHERE id = 12",
                List.of(List.of("INSERT INTO j VALUES (12, 1, NULL, '\"x\"')")));
        assertEquals("cannot get array length of a scalar", error);
    }
}
