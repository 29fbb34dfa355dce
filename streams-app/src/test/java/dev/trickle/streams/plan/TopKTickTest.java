package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ORDER BY ... LIMIT / OFFSET (top-K) against PostgreSQL, tick after tick ({@link TickOracle}): rows inserted
 * before, inside and after the top, sort keys changed across the cut, the K-th row deleted, the table shrunk
 * below K and emptied, then filled again. The ORDER BY keys end with a unique column, so PostgreSQL's result
 * is determined (its choice among peers at the cut is not). The last round empties the tables: the state must
 * be empty then.
 */
class TopKTickTest {
    private static final String[] DATA = {
        "CREATE TABLE t (id int PRIMARY KEY, g int, x int, n numeric(8,2), s text, f float8, d date, c char(4), b bool)",
        "INSERT INTO t SELECT i, i % 4, CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 37) % 50 - 20 END,"
                + " CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7919) % 10000 - 5000) / 100.0 END,"
                + " CASE WHEN i % 8 = 0 THEN NULL ELSE 'w' || (i * 13) % 17 END,"
                + " CASE WHEN i % 10 = 0 THEN NULL ELSE ((i * 31) % 40 - 20) / 4.0 END,"
                + " DATE '2024-01-01' + (i * 11) % 30, CASE WHEN i % 6 = 0 THEN NULL ELSE chr(97 + i % 5) END, i % 3 = 0"
                + " FROM generate_series(1, 40) i",
        // equal values written differently, and the special values of the types
        "INSERT INTO t VALUES (41, 1, 5, 1.5, 'W', 'NaN', 'infinity', 'a  ', true), (42, 2, 5, 1.50, 'w10 ', '-Infinity', '-infinity', 'a', false),"
                + " (43, 3, -100, -0.01, '', '-0', '1999-12-31', 'zz', NULL), (44, 0, 100, 999999.99, 'é', 'Infinity', '2100-01-01', ' b', true)",
        "CREATE TABLE k (g int, v int)",
        "INSERT INTO k SELECT i % 3, i % 4 FROM generate_series(1, 20) i",
        "INSERT INTO k SELECT g, v FROM k WHERE g = 1"};

    private static final List<List<String>> ROUNDS = List.of(
            // new rows at the very top, inside and far below it
            List.of("INSERT INTO t VALUES (101, 1, -50, -99.99, 'a', -30, '2000-01-01', 'a', true),"
                    + " (102, 2, 0, 0.00, 'w5', 0.25, '2024-01-15', 'c', false), (103, 3, 49, 500.00, 'zzz', 40, '2030-01-01', 'z', NULL)"),
            // sort keys moved across the cut both ways
            List.of("UPDATE t SET x = -x, n = -n, f = -f WHERE id % 5 = 0", "UPDATE t SET s = upper(s) WHERE id % 3 = 1",
                    "UPDATE t SET d = d + 400 WHERE id % 4 = 2"),
            // the rows at the top deleted (the K-th among them)
            List.of("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY x, id LIMIT 3 OFFSET 2)",
                    "DELETE FROM t WHERE id = (SELECT id FROM t ORDER BY n DESC NULLS LAST, id LIMIT 1 OFFSET 3)",
                    "DELETE FROM t WHERE id = (SELECT id FROM t ORDER BY s NULLS FIRST, id DESC LIMIT 1 OFFSET 1)"),
            // NULL sort keys appear and disappear
            List.of("UPDATE t SET x = NULL, s = NULL, f = NULL WHERE id % 6 = 1", "UPDATE t SET x = 1 WHERE x IS NULL AND id % 2 = 0",
                    "INSERT INTO k VALUES (1, 1), (1, 1), (2, NULL)"),
            // fewer rows than LIMIT + OFFSET
            List.of("DELETE FROM t WHERE id > 6", "DELETE FROM k WHERE g <> 1"),
            List.of("DELETE FROM t WHERE id % 2 = 0"),
            List.of("INSERT INTO t SELECT i, i % 2, 100 - i, i / 3.0, 's' || i, i / 8.0, DATE '2020-02-02' + i, chr(100 + i % 3), i % 2 = 0"
                    + " FROM generate_series(200, 230) i", "INSERT INTO k SELECT i % 2, i FROM generate_series(1, 10) i"),
            List.of("DELETE FROM t", "DELETE FROM k"),
            List.of("INSERT INTO t VALUES (300, 1, 1, 1, 'a', 1, '2024-01-01', 'a', true)", "INSERT INTO k VALUES (1, 2)"),
            List.of("DELETE FROM t", "DELETE FROM k"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("topk", List.of("t", "k"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // every type's order, both directions, NULLs first and last
        "SELECT id, x FROM t ORDER BY x, id LIMIT 5",
        "SELECT * FROM t ORDER BY x DESC NULLS LAST, id LIMIT 3 OFFSET 2",
        "SELECT id, s FROM t ORDER BY s NULLS FIRST, id DESC LIMIT 4",
        "SELECT id, n FROM t ORDER BY n DESC, id LIMIT 6",
        "SELECT id, f FROM t ORDER BY f, id LIMIT 5",
        "SELECT id, f FROM t ORDER BY f DESC, id LIMIT 4 OFFSET 1",
        "SELECT id, d FROM t ORDER BY d DESC, id LIMIT 3",
        "SELECT id, c FROM t ORDER BY c, id LIMIT 4",
        "SELECT id, b FROM t ORDER BY b NULLS FIRST, id DESC LIMIT 5",
        "SELECT id, g, x FROM t ORDER BY g DESC, x NULLS FIRST, id LIMIT 7",
        // keys that are expressions, ordinals or not selected
        "SELECT id FROM t ORDER BY x * -1 NULLS LAST, id LIMIT 4",
        "SELECT id, s FROM t ORDER BY 2 DESC, 1 LIMIT 3",
        "SELECT s FROM t ORDER BY n NULLS FIRST, id LIMIT 5",
        // OFFSET without LIMIT, LIMIT 0, a LIMIT larger than the table, ORDER BY alone
        "SELECT id, x FROM t ORDER BY x, id OFFSET 10",
        "SELECT id FROM t ORDER BY id LIMIT 0",
        "SELECT id, x FROM t ORDER BY x, id LIMIT 1000",
        "SELECT id, x FROM t ORDER BY x DESC",
        // duplicates: equal rows are the same row, whichever copies make the cut
        "SELECT g, v FROM k ORDER BY g, v NULLS FIRST LIMIT 4",
        "SELECT g, v FROM k ORDER BY v DESC, g LIMIT 3 OFFSET 5",
        // over aggregates, joins and in subqueries
        "SELECT g, sum(x) AS sx, count(*) AS c FROM t GROUP BY g ORDER BY sx DESC NULLS LAST, g LIMIT 2",
        "SELECT t.id, k.v FROM t JOIN k ON k.g = t.g ORDER BY t.x DESC NULLS LAST, t.id, k.v LIMIT 6",
        "SELECT top.id, top.x, k.v FROM (SELECT id, g, x FROM t ORDER BY x, id LIMIT 4) top LEFT JOIN k ON k.g = top.g",
        "SELECT g, count(*) FROM (SELECT id, g FROM t ORDER BY n DESC NULLS LAST, id LIMIT 10) top GROUP BY g",
        "SELECT id, x FROM (SELECT id, x FROM t ORDER BY id LIMIT 8) a ORDER BY x, id LIMIT 3"})
    void topKFollowsEveryTick(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }
}
