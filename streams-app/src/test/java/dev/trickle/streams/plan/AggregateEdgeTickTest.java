package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Aggregates on the edges of PostgreSQL's semantics, tick after tick: keys equal but written differently
 * (numeric scales, -0, char padding), NaN and infinities, dates and timestamps, a table that starts empty,
 * and columns PostgreSQL lets a query select because they depend on a grouped primary key.
 */
class AggregateEdgeTickTest {
    private static final String[] DATA = {
        "CREATE TABLE m (u numeric, f float8, c char(4), v varchar(5), d date, ts timestamp, b bool)",
        "INSERT INTO m VALUES (1.0, 1, 'a', 'a', '2024-01-01', '2024-01-01 10:00:00', true),"
                + " (1.00, -0, 'a ', 'a ', '2024-01-01', '2024-01-01 10:00:00.5', false),"
                + " (2.5, 0, 'b', 'b', '2023-12-31', '2020-02-29 23:59:59', NULL),"
                + " (2.50, 'NaN', NULL, NULL, NULL, NULL, true), (NULL, 'Infinity', 'c', 'c', '2024-02-29', '2024-02-29 00:00:00', false),"
                + " (-7, '-Infinity', 'c', 'c ', '1999-12-31', '1999-12-31 23:59:59.999999', true), (0.000, 2.5, 'a', 'a', '2024-01-01', NULL, NULL)",
        "CREATE TABLE e (id int PRIMARY KEY, g int, x int, s text)",
        "CREATE TABLE p (id int PRIMARY KEY, name text, g int)",
        "INSERT INTO p SELECT i, 'n' || i, i % 3 FROM generate_series(1, 9) i"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO m VALUES (1.000, 3, 'a  ', 'a', '2024-01-01', '2024-01-01 10:00:00', true)",
                    "INSERT INTO e VALUES (1, 1, 10, 'x'), (2, 1, NULL, NULL), (3, NULL, 5, 'y')"),
            List.of("DELETE FROM m WHERE u = 1 AND f = 1", "UPDATE e SET g = 2 WHERE id = 1", "UPDATE p SET name = upper(name) WHERE g = 1"),
            List.of("DELETE FROM m WHERE f = 'NaN'", "UPDATE m SET f = 4 WHERE f = '-Infinity'", "DELETE FROM e WHERE id = 3",
                    "DELETE FROM p WHERE id % 4 = 0"),
            List.of("DELETE FROM e", "INSERT INTO m VALUES (2.500, 'NaN', 'b   ', 'b', '2023-12-31', '2020-02-29 23:59:59', false)"),
            List.of("DELETE FROM m", "DELETE FROM e", "DELETE FROM p"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("aggedges", List.of("m", "e", "p"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // equal keys written differently form one group, shown as first seen
        "SELECT u, count(*) FROM m GROUP BY u",
        "SELECT DISTINCT u FROM m",
        "SELECT f, count(*) FROM m GROUP BY f",
        "SELECT c, count(*), max(v) AS mv FROM m GROUP BY c",
        "SELECT DISTINCT v FROM m",
        "SELECT count(DISTINCT u) AS cu, count(DISTINCT c) AS cc, count(DISTINCT f) AS cf, count(DISTINCT v) AS cv FROM m GROUP BY b",
        // NaN and infinities
        "SELECT b, sum(f) AS sf, avg(f) AS af, min(f) AS mf, max(f) AS xf, var_pop(f) AS vf, stddev(f) AS sd FROM m GROUP BY b",
        // dates, timestamps, booleans as keys and extremes
        "SELECT d, min(ts) AS mt, max(ts) AS xt, count(*) FROM m GROUP BY d",
        "SELECT ts, b, min(d) AS md, array_agg(d ORDER BY d, ts) AS ad FROM m GROUP BY ts, b",
        "SELECT min(c) AS mc, max(c) AS xc, min(v) AS mv, max(v) AS xv, string_agg(c, ',' ORDER BY c, v) AS sc,"
                + " array_agg(v ORDER BY v DESC NULLS LAST, c) AS av FROM m GROUP BY d",
        // a grouped primary key makes the table's other columns selectable
        "SELECT id, name, count(*) FROM p GROUP BY id",
        "SELECT g, count(*), sum(x) AS sx, string_agg(s, '' ORDER BY s) AS ss FROM e GROUP BY g"})
    void edgesFollowEveryTick(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT count(*), count(x) AS cx, sum(x) AS sx, avg(x) AS ax, min(s) AS ms, string_agg(s, ',' ORDER BY s) AS ss, bool_or(x > 5) AS bo,"
                + " array_agg(x ORDER BY id) AS ax2, stddev_pop(x) AS sd FROM e",
        "SELECT g, count(*) FROM e GROUP BY ROLLUP(g)",
        "SELECT count(*) FROM e HAVING count(*) = 0"})
    void aTableThatStartsEmptyHasItsAggregateRowFromTheFirstTick(String query) throws Exception {
        assertEquals(1, oracle.check(query, ROUNDS));
    }
}
