package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Aggregates, GROUP BY, HAVING and DISTINCT against PostgreSQL, tick after tick ({@link TickOracle}): rows
 * inserted into new and existing groups, moved between groups, a group's extremum deleted, groups emptied,
 * the whole table emptied and filled again. The last round empties the tables, after which only the
 * bookkeeping of the row of an aggregate without GROUP BY may stay in state.
 */
class AggregateTickTest {
    /** A keyed table with NULLs everywhere, one big group (g = 0) and several small ones, and a keyless one. */
    private static final String[] DATA = {
        "CREATE TABLE t (id int PRIMARY KEY, g int, h text, x int, n numeric(8,2), f float8, r real, b bool, s text, c char(4))",
        "INSERT INTO t SELECT i, CASE WHEN i % 11 = 0 THEN NULL WHEN i <= 30 THEN 0 ELSE i % 5 END,"
                + " CASE WHEN i % 7 = 0 THEN NULL ELSE chr(97 + i % 3) END,"
                + " CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 37) % 50 - 20 END,"
                + " CASE WHEN i % 9 = 0 THEN NULL ELSE ((i * 7919) % 10000 - 5000) / 100.0 END,"
                + " CASE WHEN i % 10 = 0 THEN NULL ELSE ((i * 31) % 40 - 20) / 4.0 END,"
                + " CASE WHEN i % 6 = 0 THEN NULL ELSE ((i * 17) % 24) / 8.0 END,"
                + " CASE WHEN i % 8 = 0 THEN NULL ELSE i % 3 = 0 END,"
                + " CASE WHEN i % 12 = 0 THEN NULL ELSE 'w' || (i * 13) % 17 END,"
                + " CASE WHEN i % 14 = 0 THEN NULL ELSE chr(120 + i % 3) END FROM generate_series(1, 60) i",
        "INSERT INTO t VALUES (61, 1, 'a', 4, 1.00, 0.5, 0.5, true, 'a b', 'q'), (62, 1, 'b', 4, 1.00, 0.5, 0.5, false, '\"q\"', 'q'),"
                + " (63, 2, 'a', -4, -1.50, -0.5, 1, NULL, '', NULL), (64, 2, 'c', 0, 0.00, 0, 0, true, 'NULL', 'a b')",
        "CREATE TABLE k (g int, v int, s text)",
        "INSERT INTO k SELECT i % 4, i % 3, CASE WHEN i % 5 = 0 THEN NULL ELSE 's' || i % 2 END FROM generate_series(1, 30) i",
        "INSERT INTO k SELECT g, v, s FROM k WHERE g = 1"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO t VALUES (101, 1, 'a', 5, 12.50, 0.5, 1.5, true, 'a b', 'xy'),"
                    + " (102, 7, 'z', NULL, -3.00, -1.25, 0.25, false, '\"q\"', NULL), (103, NULL, NULL, 8, 0.00, 2, 2, NULL, '', 'z'),"
                    + " (104, 7, 'b', 3, 99.99, 3.75, 0.5, true, 'NULL', 'xy ')"),
            List.of("UPDATE t SET g = g + 1 WHERE id % 3 = 0", "UPDATE t SET s = upper(s) WHERE id % 4 = 1"),
            List.of("DELETE FROM t WHERE n = (SELECT max(n) FROM t)", "DELETE FROM t WHERE s = (SELECT min(s) FROM t WHERE g = 0)",
                    "DELETE FROM t WHERE x = (SELECT min(x) FROM t WHERE g = 1)"),
            List.of("UPDATE t SET x = x + 100, n = -n, f = f * 2 WHERE g = 1", "UPDATE t SET b = NOT b WHERE id % 5 = 2"),
            List.of("DELETE FROM t WHERE g = 7", "DELETE FROM t WHERE g IS NULL", "INSERT INTO k VALUES (1, 1, 's1'), (9, NULL, NULL)"),
            List.of("UPDATE t SET g = 0 WHERE g = 2", "DELETE FROM k WHERE ctid IN (SELECT ctid FROM k WHERE g = 1 LIMIT 3)"),
            List.of("DELETE FROM t", "DELETE FROM k"),
            List.of("INSERT INTO t VALUES (200, 3, 'a', 1, 1.00, 1, 1, true, 'k', 'k'), (201, 3, 'a', 2, 2.50, 1, 1, true, 'l', 'l')",
                    "INSERT INTO k VALUES (1, 1, 'x'), (1, 1, 'x')"),
            List.of("DELETE FROM t", "DELETE FROM k"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("aggregates", List.of("t", "k"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // every aggregate, over groups with NULL keys, skew, moves and deleted extremes
        "SELECT g, count(*) AS c, count(n) AS cn, sum(x) AS sx, sum(n) AS sn, avg(x) AS ax, avg(n) AS an, min(n) AS mn, max(n) AS xn,"
                + " min(s) AS ms, max(s) AS xs, min(c) AS mc, max(h) AS xh FROM t GROUP BY g",
        "SELECT g, sum(f) AS sf, avg(f) AS af, sum(r) AS sr, avg(r) AS ar, min(f) AS mf, max(r) AS xr, sum(x::int2) AS s2,"
                + " sum(x::int8) AS s8, avg(x::int8) AS a8 FROM t GROUP BY g",
        "SELECT g, stddev(n), stddev_pop(n), variance(x), var_pop(x), var_samp(n), stddev_samp(x), stddev(x::int8) AS sd8 FROM t GROUP BY g",
        // float variances over at most two values per group: there PostgreSQL's Youngs-Cramer update is exact too
        "SELECT id / 2 AS pair, stddev(f), var_pop(f), variance(r), stddev_pop(r) FROM t GROUP BY id / 2",
        "SELECT h, bool_and(b), bool_or(b), every(b), count(b) FROM t GROUP BY h",
        "SELECT g, string_agg(s, ',' ORDER BY id) AS ss, array_agg(n ORDER BY id DESC) AS an, array_agg(c ORDER BY s NULLS FIRST, id) AS ac,"
                + " string_agg(c, '|' ORDER BY id) AS sc, array_agg(s ORDER BY id) AS a_s, array_agg(b ORDER BY x DESC NULLS LAST, id) AS ab"
                + " FROM t GROUP BY g",
        "SELECT g, count(DISTINCT s) AS cs, count(DISTINCT n) AS cn, sum(DISTINCT x) AS sx, avg(DISTINCT x) AS ax,"
                + " string_agg(DISTINCT s, ';' ORDER BY s) AS ss"
                + " FROM t GROUP BY g",
        // FILTER, HAVING, GROUP BY expressions, expressions over aggregates
        "SELECT g, count(*) FILTER (WHERE b) AS c, sum(x) FILTER (WHERE n > 0) AS s, max(s) FILTER (WHERE b IS NOT TRUE) AS m,"
                + " array_agg(id ORDER BY id) FILTER (WHERE x > 0) AS a FROM t GROUP BY g",
        "SELECT g, count(*) AS c FROM t GROUP BY g HAVING count(*) > 2",
        "SELECT g FROM t GROUP BY g HAVING sum(x) > 10 AND min(s) < 'w5'",
        "SELECT g % 3 AS m, lower(s) AS ls, count(*) FROM t GROUP BY g % 3, lower(s)",
        "SELECT x / 10 AS bucket, sum(n), count(*) FROM t GROUP BY x / 10",
        "SELECT g, sum(x) / count(*) AS q, sum(n) * 2 AS d, avg(x)::numeric(10,3) AS a3, count(*) + 1 AS c1, max(n) - min(n) AS span"
                + " FROM t GROUP BY g",
        "SELECT g, h, count(*), sum(x) FROM t GROUP BY h, g",
        "SELECT n, count(*) FROM t GROUP BY n",
        "SELECT c, count(*), max(s) FROM t WHERE x > -10 GROUP BY c",
        // DISTINCT
        "SELECT DISTINCT g, h FROM t",
        "SELECT DISTINCT n FROM t",
        "SELECT DISTINCT c, b FROM t",
        // keyless table: duplicates
        "SELECT g, count(*) AS c, sum(v) AS sv, count(DISTINCT s) AS cs, string_agg(s, ',' ORDER BY s) AS ss FROM k GROUP BY g",
        "SELECT DISTINCT g, s FROM k",
        // aggregates over aggregates
        "SELECT c, count(*) FROM (SELECT g, count(*) AS c FROM t GROUP BY g) s GROUP BY c",
        // grouping sets without a grand total; a set named twice gives its rows twice
        "SELECT g, h, count(*), min(x) AS mx FROM t GROUP BY g, ROLLUP(h)",
        "SELECT g, count(*) FROM t GROUP BY GROUPING SETS ((g), (g))"})
    void groupedAggregatesFollowEveryTick(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT count(*) AS c, count(g) AS cg, sum(x) AS sx, avg(n) AS an, min(s) AS ms, max(n) AS xn, string_agg(s, ',' ORDER BY s, id) AS ss,"
                + " bool_and(b) AS ba, stddev(x) AS sd, array_agg(g ORDER BY id) AS ag, sum(f) AS sf, var_pop(n) AS vn FROM t",
        "SELECT count(*) FILTER (WHERE b) AS yes, sum(n) FILTER (WHERE g = 0) AS big, max(x) FROM t WHERE h IS NOT NULL",
        "SELECT count(*), sum(v) FROM k",
        "SELECT count(*) AS c FROM t HAVING count(*) > 3",
        "SELECT sum(x) * 2 AS twice, count(*) = 0 AS empty FROM t",
        // aggregates over aggregates and over DISTINCT: retractions reach the outer aggregate
        "SELECT max(c) AS most, count(*) AS groups FROM (SELECT g, count(*) AS c FROM t GROUP BY g) s",
        "SELECT count(*) FROM (SELECT DISTINCT h FROM t) d"})
    void aggregatesWithoutGroupByHaveExactlyOneRow(String query) throws Exception {
        // only the row's own bookkeeping stays once the table is empty
        assertEquals(1, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT g, h, count(*), sum(x) FROM t GROUP BY ROLLUP(g, h)",
        "SELECT g, h, count(*) FROM t GROUP BY CUBE(g, h)",
        "SELECT g, h, max(s), count(*) FROM t GROUP BY GROUPING SETS ((g), (h), ())",
        "SELECT count(*), sum(x) FROM t GROUP BY ()"})
    void groupingSetsKeepTheirTotalRow(String query) throws Exception {
        assertEquals(1, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }
}
