package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Window functions against PostgreSQL, tick after tick ({@link TickOracle}): rows inserted into and deleted
 * from partitions, moved across partitions, their ORDER BY values changed, partitions emptied, the tables
 * emptied and filled again. Functions whose value depends on the order among peers (row_number, lag, ROWS
 * frames, first_value) are ordered by keys that end with a unique column; rank and RANGE frames are also
 * tested over ties. Float aggregates use multiples of 0.25 (exact, so summation order cannot matter). The
 * last round empties the tables: the state must be empty then.
 */
class WindowTickTest {
    private static final String[] DATA = {
        "CREATE TABLE t (id int PRIMARY KEY, g int, x int, n numeric(8,2), s text, f float8, c char(3))",
        "INSERT INTO t SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 END, CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 7) % 10 END,"
                + " CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 7919) % 1000 - 500) / 10.0 END,"
                + " CASE WHEN i % 8 = 0 THEN NULL ELSE 'w' || (i * 13) % 7 END,"
                + " CASE WHEN i % 10 = 0 THEN NULL ELSE ((i * 31) % 40 - 20) / 4.0 END,"
                + " CASE WHEN i % 6 = 0 THEN NULL ELSE chr(97 + i % 3) END FROM generate_series(1, 50) i",
        // partition values equal but written differently
        "INSERT INTO t VALUES (51, 1, 3, 1.50, 'a', 0.5, 'a '), (52, 1, 3, 1.5, 'b', 0.5, 'a')",
        "CREATE TABLE k (g int, v int)",
        "INSERT INTO k SELECT i % 3, i % 5 FROM generate_series(1, 24) i",
        "INSERT INTO k SELECT g, v FROM k WHERE g = 2"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO t VALUES (101, 1, 0, -99.99, 'a', -30, 'z'), (102, 9, 5, 0.00, 'w5', 0.25, NULL),"
                    + " (103, NULL, 9, 50.00, NULL, 40, 'b')", "INSERT INTO k VALUES (7, 1), (2, 2)"),
            // rows move across partitions, and within them
            List.of("UPDATE t SET g = g + 1 WHERE id % 5 = 0", "UPDATE t SET x = 10 - x WHERE id % 3 = 1",
                    "UPDATE t SET n = -n, f = -f WHERE id % 4 = 2"),
            List.of("DELETE FROM t WHERE id IN (SELECT id FROM t WHERE g = 1 ORDER BY x, id LIMIT 2)",
                    "DELETE FROM t WHERE g = 9", "DELETE FROM k WHERE g = 7"),
            List.of("UPDATE t SET x = NULL, s = NULL WHERE id % 6 = 1", "UPDATE t SET g = NULL WHERE id % 13 = 0",
                    "INSERT INTO k VALUES (1, 1), (1, 1), (2, NULL)"),
            List.of("DELETE FROM t WHERE g = 0 OR g IS NULL", "DELETE FROM k WHERE g = 0"),
            List.of("UPDATE t SET g = 2 WHERE g = 3", "DELETE FROM t WHERE id > 40"),
            List.of("DELETE FROM t", "DELETE FROM k"),
            List.of("INSERT INTO t VALUES (200, 3, 1, 1.00, 'a', 1, 'k'), (201, 3, 1, 2.50, 'a', 1, 'l'), (202, 3, 2, NULL, NULL, NULL, NULL)",
                    "INSERT INTO k VALUES (1, 1), (1, 1)"),
            List.of("DELETE FROM t", "DELETE FROM k"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("windows", List.of("t", "k"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // ranking
        "SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY x, id) AS rn FROM t",
        "SELECT id, rank() OVER (PARTITION BY g ORDER BY x) AS r, dense_rank() OVER (PARTITION BY g ORDER BY x) AS dr,"
                + " percent_rank() OVER (PARTITION BY g ORDER BY x) AS pr, cume_dist() OVER (PARTITION BY g ORDER BY x) AS cd FROM t",
        "SELECT id, rank() OVER (ORDER BY s DESC NULLS LAST) AS r, row_number() OVER (ORDER BY n NULLS FIRST, id DESC) AS rn FROM t",
        "SELECT id, ntile(3) OVER (PARTITION BY g ORDER BY id) AS t3, ntile(5) OVER (ORDER BY f, id) AS t5 FROM t",
        "SELECT id, rank() OVER (PARTITION BY n ORDER BY c) AS r, count(*) OVER (PARTITION BY c) AS cc FROM t",
        // lag and lead, with offsets and defaults (a numeric default makes the result numeric)
        "SELECT id, lag(x) OVER w AS l1, lead(s, 2, 'none') OVER w AS l2, lag(x, 1, 0) OVER w AS l3, lag(n, 1, 0) OVER w AS l4,"
                + " lag(x, 1, 0.5) OVER w AS l5, lead(id, -1) OVER w AS l6 FROM t WINDOW w AS (PARTITION BY g ORDER BY id)",
        "SELECT id, lag(c, 3) OVER (ORDER BY id) AS lc, lead(f) OVER (ORDER BY f NULLS FIRST, id) AS lf FROM t",
        // frame values
        "SELECT id, first_value(x) OVER w AS fv, last_value(x) OVER w AS lv, nth_value(s, 2) OVER w AS nv"
                + " FROM t WINDOW w AS (PARTITION BY g ORDER BY id)",
        "SELECT id, first_value(s) OVER (PARTITION BY g ORDER BY x, id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) AS f3,"
                + " last_value(n) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS ln,"
                + " nth_value(id, 3) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS n3 FROM t",
        "SELECT id, first_value(x) OVER (PARTITION BY g ORDER BY x RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS fr,"
                + " last_value(x) OVER (PARTITION BY g ORDER BY x) AS lr FROM t",
        // aggregates: default frame (peers included), whole partition, ROWS and RANGE frames
        "SELECT id, sum(x) OVER (PARTITION BY g ORDER BY x) AS sx, count(*) OVER (PARTITION BY g ORDER BY x) AS c,"
                + " avg(n) OVER (PARTITION BY g ORDER BY x) AS an, min(s) OVER (PARTITION BY g ORDER BY x) AS ms FROM t",
        "SELECT id, sum(n) OVER (PARTITION BY g) AS sn, count(x) OVER (PARTITION BY g) AS cx, max(c) OVER (PARTITION BY g) AS mc,"
                + " avg(x) OVER (PARTITION BY g) AS ax, count(*) OVER () AS total FROM t",
        "SELECT id, sum(x) OVER w AS sx, max(n) OVER w AS mn, min(x) OVER w AS mx, avg(f) OVER w AS af, sum(f) OVER w AS sf"
                + " FROM t WINDOW w AS (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING)",
        "SELECT id, sum(x) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,"
                + " count(*) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS after FROM t",
        "SELECT id, sum(id) OVER (PARTITION BY g ORDER BY x RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS r1,"
                + " count(*) OVER (ORDER BY x DESC RANGE BETWEEN 3 PRECEDING AND CURRENT ROW) AS r2,"
                + " max(id) OVER (ORDER BY n RANGE BETWEEN 10.5 PRECEDING AND 10.5 FOLLOWING) AS r3 FROM t",
        "SELECT id, stddev(x) OVER (PARTITION BY g) AS sd, var_pop(n) OVER (PARTITION BY g ORDER BY id) AS vp,"
                + " bool_and(x > 2) OVER (PARTITION BY g ORDER BY id) AS ba FROM t",
        // expressions over window functions, windows over aggregates, top-N per partition
        "SELECT id, x - lag(x) OVER (PARTITION BY g ORDER BY id) AS dx, sum(x) OVER (PARTITION BY g) * 2 AS twice FROM t",
        "SELECT g, sum(x) AS sx, rank() OVER (ORDER BY sum(x) DESC NULLS LAST) AS r FROM t GROUP BY g",
        "SELECT g, sum(x) AS sx, rank() OVER (ORDER BY sum(x) DESC NULLS LAST) AS r FROM t GROUP BY g ORDER BY r, g NULLS FIRST LIMIT 2",
        // offsets as large as bigint reach the partition's ends
        "SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING) AS s"
                + " FROM t",
        "SELECT id, g, x FROM (SELECT id, g, x, row_number() OVER (PARTITION BY g ORDER BY x DESC NULLS LAST, id) AS rn FROM t) s"
                + " WHERE rn <= 2",
        // without aliases, columns are named after the function, as PostgreSQL names them (the oracle checks the names)
        "SELECT id, row_number() OVER (PARTITION BY g ORDER BY id), rank() OVER (ORDER BY x), sum(x) OVER (PARTITION BY g),"
                + " lag(x) OVER w, count(*) OVER w, first_value(s) OVER w FROM t WINDOW w AS (ORDER BY id)",
        // duplicates in a keyless table: each copy is a row
        "SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v NULLS FIRST) AS rn, rank() OVER (ORDER BY v) AS r,"
                + " count(*) OVER (PARTITION BY g, v) AS c FROM k"})
    void windowFunctionsFollowEveryTick(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }
}
