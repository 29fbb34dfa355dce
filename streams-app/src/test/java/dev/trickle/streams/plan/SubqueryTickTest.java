package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Subqueries in expressions (EXISTS, NOT EXISTS, IN, NOT IN, ANY/ALL, scalar subqueries, correlated or not)
 * on the multi-tick oracle. Calcite removes them into joins with aggregates; the rounds make the subqueries'
 * results appear and disappear: NULLs enter and leave the subquery's column (NOT IN turns unknown), the
 * subquery's table empties and fills again, correlation keys move, a scalar subquery's aggregate crosses
 * the outer values.
 */
class SubqueryTickTest {
    /** a and b keyed, with NULL keys; b's k is bigint where a's is integer (and s smallint); c keyless with duplicates. */
    static final String[] DATA = {
        "CREATE TABLE a (id int PRIMARY KEY, k int, v text, n numeric(10,2), s smallint)",
        "CREATE TABLE b (id bigint PRIMARY KEY, k bigint, v text, n numeric)",
        "CREATE TABLE c (k int, v text)",
        "CREATE TABLE d (k int, v text)",
        "INSERT INTO d VALUES (1, 'one'), (2, 'two'), (NULL, 'null'), (9, 'nine'), (9, 'nine again')",
        "INSERT INTO a SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE g % 7 END, 'v' || (g % 5),"
                + " (g % 6) * 1.25, (g % 4)::smallint FROM generate_series(1, 30) g",
        "INSERT INTO b SELECT g, g % 5, 'v' || (g % 3), g * 0.75 FROM generate_series(1, 12) g",
        "INSERT INTO c SELECT g % 4, 'v' || (g % 6) FROM generate_series(1, 14) g",
        "INSERT INTO c VALUES (2, 'v2'), (2, 'v2')"};

    static final List<List<String>> ROUNDS = List.of(
            // a NULL enters the subqueries' columns
            List.of("INSERT INTO b VALUES (100, NULL, NULL, NULL)", "INSERT INTO c VALUES (NULL, 'vnull')",
                    "INSERT INTO a VALUES (100, NULL, NULL, NULL, NULL), (101, 6, 'v9', 9.5, 3)"),
            // correlation keys move; partners go away in the same round
            List.of("UPDATE a SET k = 6 WHERE id % 4 = 0", "DELETE FROM b WHERE k = 1", "UPDATE c SET k = 5 WHERE k = 3"),
            // the NULLs leave again
            List.of("DELETE FROM b WHERE k IS NULL", "DELETE FROM c WHERE k IS NULL", "UPDATE b SET n = n * 4 WHERE id % 3 = 0"),
            // the subqueries' tables empty
            List.of("DELETE FROM b", "DELETE FROM c"),
            // and fill again, with duplicates
            List.of("INSERT INTO b SELECT g, g % 3, 'v' || (g % 2), g FROM generate_series(1, 6) g",
                    "INSERT INTO c VALUES (1, 'v1'), (1, 'v1'), (6, 'v6')", "UPDATE a SET n = n + 1 WHERE id % 3 = 0"),
            List.of("UPDATE a SET id = id + 1000 WHERE id % 5 = 0", "UPDATE b SET k = k + 1 WHERE id % 2 = 0",
                    "DELETE FROM a WHERE id % 7 = 3"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("subqueries", List.of("a", "b", "c", "d"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // EXISTS and NOT EXISTS, correlated by equality, by a non-equality, and by several columns
        "SELECT id, v FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k)",
        "SELECT id, v FROM a WHERE NOT EXISTS (SELECT * FROM b WHERE b.k = a.k)",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM c WHERE c.k = a.k AND c.v <> a.v)",
        "SELECT id FROM a WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.k = a.k AND c.v = a.v)",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.n > a.n)",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b)",
        "SELECT id, EXISTS (SELECT 1 FROM c WHERE c.k = a.k) AS has_c FROM a",
        "SELECT id FROM a WHERE k = 3 OR EXISTS (SELECT 1 FROM b WHERE b.v = a.v)",
        // IN and NOT IN: integer against bigint and smallint, several columns, under OR and in the select list
        "SELECT id, k FROM a WHERE k IN (SELECT k FROM b)",
        "SELECT id FROM a WHERE s IN (SELECT k FROM b)",
        "SELECT id, k FROM a WHERE k NOT IN (SELECT k FROM b)",
        "SELECT id FROM a WHERE k NOT IN (SELECT k FROM c WHERE c.v = a.v)",
        "SELECT id FROM a WHERE (k, v) IN (SELECT k, v FROM c)",
        "SELECT id FROM a WHERE k IN (SELECT k FROM b WHERE b.v = a.v)",
        "SELECT id FROM a WHERE k IN (SELECT k FROM c) OR id > 25",
        "SELECT id, k IN (SELECT k FROM b) AS i, k NOT IN (SELECT k FROM c) AS ni FROM a",
        "SELECT id FROM a WHERE k = ANY (SELECT k FROM c)",
        "SELECT id FROM a WHERE k > ALL (SELECT k FROM b)",
        "SELECT id FROM a WHERE k < SOME (SELECT k FROM c)",
        "SELECT id FROM a WHERE k IN (SELECT k FROM b UNION SELECT k FROM c)",
        // scalar subqueries: uncorrelated and correlated aggregates, in WHERE, SELECT and HAVING
        "SELECT id, n FROM a WHERE n > (SELECT avg(n) FROM b)",
        "SELECT id FROM a WHERE n < (SELECT 0.2 * sum(n) FROM b WHERE b.k = a.k)",
        "SELECT id, (SELECT count(*) FROM c WHERE c.k = a.k) AS cnt, (SELECT max(v) FROM b) AS mv FROM a",
        "SELECT id, (SELECT sum(n) FROM b WHERE b.k = a.k AND b.v = a.v) AS total FROM a",
        "SELECT k, sum(n) AS total FROM a GROUP BY k HAVING sum(n) > (SELECT avg(n) * 3 FROM b)",
        // a scalar subquery that returns at most one row (b's primary key)
        "SELECT id, (SELECT v FROM b WHERE b.id = a.k) AS bv FROM a",
        "SELECT id FROM a WHERE v = (SELECT v FROM b WHERE b.id = a.id)",
        // nested and combined subqueries, subqueries over derived tables and CTEs
        "SELECT id FROM a WHERE k IN (SELECT k FROM b WHERE v IN (SELECT v FROM c) AND n > (SELECT avg(n) FROM b x WHERE x.k = b.k))",
        "WITH t AS (SELECT k, sum(n) AS total FROM a GROUP BY k) SELECT k, total FROM t WHERE total = (SELECT max(total) FROM t)",
        "SELECT x.id FROM (SELECT id, k FROM a WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.k = a.k)) x JOIN b ON b.k = x.k",
        "SELECT v, count(*) FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k) AND a.k NOT IN (SELECT k FROM c) GROUP BY v",
        "SELECT a.id, b.id AS bid FROM a JOIN b ON a.k = b.k AND b.n > (SELECT avg(n) FROM b)",
        // harder shapes: correlation two levels up, under OR, in a set operation, aggregates of correlated rows
        "SELECT id FROM a WHERE k IN (SELECT s FROM a x WHERE x.id <> a.id)",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k AND EXISTS (SELECT 1 FROM c WHERE c.k = b.k AND c.v = a.v))",
        "SELECT id FROM a WHERE k IN (SELECT k FROM b WHERE b.v = a.v UNION SELECT k FROM c WHERE c.v <> a.v)",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k OR b.v = a.v)",
        "SELECT id FROM a WHERE n > ALL (SELECT n FROM b WHERE b.k = a.k)",
        "SELECT id FROM a WHERE (SELECT count(*) FROM c WHERE c.k = a.k) > 1",
        "SELECT id FROM a WHERE EXISTS (SELECT 1 FROM c WHERE c.k = a.k HAVING count(*) > 1)",
        "SELECT k, (SELECT max(b.v) FROM b WHERE b.k = a.k) AS mv FROM a GROUP BY k",
        "SELECT a.id FROM a JOIN b ON b.k = a.k AND b.n = (SELECT max(n) FROM b x WHERE x.k = a.k)",
        "SELECT id FROM a WHERE k = (SELECT k FROM b WHERE b.id = 1) OR k = (SELECT k FROM b WHERE b.id = 2)"})
    void subqueryFollowsRoundsOfDml(String query) throws Exception {
        oracle.check(query, ROUNDS);
    }

    /**
     * A scalar subquery that returns two rows fails as PostgreSQL's does: only once an outer row evaluates it
     * (d has two rows of key 9; no row of a has key 9 until the last round).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "SELECT id, (SELECT v FROM d WHERE d.k = a.k) AS dv FROM a",
        "SELECT id FROM a WHERE v < (SELECT v FROM d WHERE d.k = a.k)",
        "SELECT k, count(*) FROM a WHERE id < 1000 AND (SELECT v FROM d WHERE d.k = a.k) IS NULL GROUP BY k"})
    void scalarSubqueryOfSeveralRowsFailsWhenEvaluated(String query) throws Exception {
        List<List<String>> rounds = new ArrayList<>(ROUNDS);
        rounds.add(List.of("INSERT INTO d VALUES (30, 'thirty'), (30, 'thirty'), (NULL, 'null')", "DELETE FROM d WHERE k = 1"));
        oracle.check(query, rounds);
        rounds.add(List.of("INSERT INTO a VALUES (900, 9, 'v9', 1, 1)"));
        assertEquals("more than one row returned by a subquery used as an expression", oracle.checkFailsAtLastTick(query, rounds));
    }

    @Test
    void stateIsEmptyOnceTheTablesAre() throws Exception {
        List<List<String>> rounds = new ArrayList<>(ROUNDS);
        rounds.add(List.of("DELETE FROM a", "DELETE FROM b", "DELETE FROM c"));
        assertEquals(0, oracle.check("SELECT id FROM a WHERE EXISTS (SELECT 1 FROM c WHERE c.k = a.k AND c.v <> a.v)", rounds));
        assertEquals(0, oracle.check("SELECT id FROM a WHERE n < (SELECT 0.2 * sum(n) FROM b WHERE b.k = a.k)", rounds));
        // NOT IN counts the subquery's rows: that count over no rows (0) is a row, kept by its aggregate and the join
        assertEquals(2, oracle.check("SELECT id, k FROM a WHERE k NOT IN (SELECT k FROM b)", rounds));
    }
}
