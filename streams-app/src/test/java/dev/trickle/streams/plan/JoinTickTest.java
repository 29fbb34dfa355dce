package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Joins on the multi-tick oracle: every join type and condition shape, maintained through rounds of DML
 * that insert NULL keys and duplicates, update join keys and primary keys, delete a row's partner in the
 * same round its key moves away, pile rows onto one hot key and empty a table. After every round the
 * stream table must equal PostgreSQL's result.
 */
class JoinTickTest {
    private static TickOracle oracle;

    /** a and b keyed (b with bigint and varchar where a has integer and text), c keyless with duplicates. */
    static final String[] DATA = {
        "CREATE TABLE a (id int PRIMARY KEY, k int, k2 text, n numeric(10,2), s text)",
        "CREATE TABLE b (id bigint PRIMARY KEY, k bigint, k2 varchar(10), n numeric, s text)",
        "CREATE TABLE c (k int, v text)",
        "CREATE TABLE d (id int PRIMARY KEY, a_id int, c_k smallint, f float8)",
        "INSERT INTO a SELECT g, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 3 = 0 THEN 1 ELSE g % 7 END, 'k' || (g % 3),"
                + " (g % 5) * 1.5, CASE WHEN g % 11 = 0 THEN NULL ELSE 's' || g END FROM generate_series(1, 40) g",
        "INSERT INTO b SELECT g, CASE WHEN g % 9 = 0 THEN NULL WHEN g % 2 = 0 THEN 1 ELSE g % 8 END, 'k' || (g % 4),"
                + " (g % 4) * 1.50, 's' || (g % 13) FROM generate_series(1, 30) g",
        "INSERT INTO c SELECT g % 6, 'v' || (g % 4) FROM generate_series(1, 24) g",
        "INSERT INTO c VALUES (NULL, 'vnull'), (NULL, 'vnull')",
        "INSERT INTO d SELECT g, g % 45, g % 6, CASE g % 4 WHEN 0 THEN '-0'::float8 WHEN 1 THEN 0 ELSE g % 3 END"
                + " FROM generate_series(1, 25) g"};

    static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO a VALUES (100, 1, 'k1', 3, 'new'), (101, NULL, 'k1', NULL, 'nullkey'), (102, 5, 'k2', 1.5, 's102')",
                    "INSERT INTO b VALUES (100, 5, 'k2', 1.5, 'b100'), (101, 5, 'k2', 3, 'b101'), (102, 6, 'k0', 4.50, 'b102')",
                    "INSERT INTO c VALUES (5, 'v5'), (5, 'v5'), (1, 'v1')",
                    "INSERT INTO d VALUES (100, 100, 5, 'NaN'), (101, 102, 5, 'NaN')"),
            // a join key moves away while its old partners are deleted, in one round
            List.of("UPDATE a SET k = 6 WHERE id = 102", "DELETE FROM b WHERE k = 5",
                    "UPDATE a SET k = k + 1 WHERE id % 4 = 0", "UPDATE c SET k = 2 WHERE k = 5"),
            // primary keys change
            List.of("UPDATE a SET id = id + 1000 WHERE id % 5 = 0", "UPDATE b SET id = id + 500 WHERE id % 3 = 0",
                    "UPDATE d SET a_id = a_id + 1 WHERE id % 2 = 0"),
            List.of("UPDATE b SET k = NULL WHERE id % 7 = 1", "UPDATE a SET k = 3 WHERE k IS NULL",
                    "UPDATE a SET s = NULL WHERE id % 6 = 1", "UPDATE b SET n = 3 WHERE n = 3.00"),
            List.of("DELETE FROM c WHERE k = 1", "DELETE FROM a WHERE id % 9 = 2", "DELETE FROM b WHERE k = 1 AND id % 4 = 0"),
            // a hot key
            List.of("UPDATE b SET k = 1 WHERE id % 5 = 0", "INSERT INTO c SELECT 1, 'hot' FROM generate_series(1, 5)",
                    "UPDATE d SET f = 'NaN' WHERE id % 5 = 0"),
            List.of("DELETE FROM b"),
            List.of("INSERT INTO b SELECT g, g % 4, 'k' || (g % 4), g * 0.5, 'r' || g FROM generate_series(1, 12) g",
                    "UPDATE a SET n = n + 0.5 WHERE id % 2 = 0"));

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("joins", List.of("a", "b", "c", "d"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // inner, and the comma form whose WHERE becomes the join condition
        "SELECT a.id, a.s, b.id AS bid, b.s AS bs FROM a JOIN b ON a.k = b.k",
        "SELECT a.id, b.id AS bid FROM a, b WHERE a.k = b.k AND a.id > 3 AND b.s <> 's1'",
        // outer joins
        "SELECT a.id, a.k, b.id AS bid FROM a LEFT JOIN b ON a.k = b.k",
        "SELECT a.id, b.id AS bid, b.k FROM a RIGHT JOIN b ON a.k = b.k",
        "SELECT a.id, b.id AS bid FROM a FULL JOIN b ON a.k = b.k",
        // keys of several columns, of different types on each side (integer = bigint, text = varchar)
        "SELECT a.id, b.id AS bid FROM a JOIN b ON a.k = b.k AND a.k2 = b.k2",
        "SELECT a.id, b.id AS bid, a.k2 FROM a FULL JOIN b ON a.k = b.k AND a.k2 = b.k2",
        "SELECT a.id, b.id AS bid FROM a JOIN b ON a.k2 = b.k2 AND a.id = b.id",
        // numeric keys equal across scales (3 = 3.00, 1.5 = 1.50): each row keeps its own text
        "SELECT a.id, a.n, b.id AS bid, b.n AS bn FROM a JOIN b ON a.n = b.n",
        "SELECT a.n, b.n AS bn FROM a FULL JOIN b ON a.n = b.n",
        // float keys: -0 = 0 and NaN = NaN in PostgreSQL
        "SELECT d.id, x.id AS xid, x.f FROM d JOIN d x ON d.f = x.f",
        // residual conditions
        "SELECT a.id, b.id AS bid FROM a JOIN b ON a.k = b.k AND a.s < b.s",
        "SELECT a.id, b.id AS bid FROM a LEFT JOIN b ON a.k = b.k AND a.id < b.id",
        "SELECT a.id, b.id AS bid FROM a FULL JOIN b ON a.k = b.k AND b.id % 2 = 0 AND a.s IS NOT NULL",
        "SELECT a.id, b.id AS bid FROM a RIGHT JOIN b ON a.k = b.k AND (a.s < b.s OR b.n > a.n)",
        // conditions without any equality
        "SELECT a.id, c.k, c.v FROM a JOIN c ON a.k < c.k",
        "SELECT a.id, c.v FROM a LEFT JOIN c ON a.k > c.k + 3",
        "SELECT a.id, c.v FROM a CROSS JOIN c WHERE a.id < 8",
        "SELECT a.id, c.v FROM a FULL JOIN c ON false",
        // the key written in every branch of an OR (TPC-H Q19's shape)
        "SELECT a.id, b.id AS bid FROM a, b WHERE (a.k = b.k AND a.n > 1 AND b.s <> 's1') OR (a.k = b.k AND b.n < a.n) OR (a.k = b.k AND a.id = 3)",
        "SELECT a.id, b.id AS bid FROM a LEFT JOIN b ON (a.k = b.k AND a.n > 1) OR (a.k = b.k AND b.s < a.s)",
        // NULL-safe keys
        "SELECT a.id, c.v FROM a JOIN c ON a.k IS NOT DISTINCT FROM c.k",
        // self-joins
        "SELECT x.id, y.id AS yid FROM a x JOIN a y ON x.k = y.k AND x.id < y.id",
        "SELECT x.v, y.v AS yv FROM c x LEFT JOIN c y ON x.k = y.k + 1",
        // chains
        "SELECT d.id, a.s, c.v, b.id AS bid FROM d JOIN a ON d.a_id = a.id JOIN c ON c.k = d.c_k LEFT JOIN b ON b.id = a.id",
        "SELECT a.id, b.id AS bid, c.v FROM a LEFT JOIN (b JOIN c ON b.k = c.k) ON a.k = b.k",
        "SELECT a1.id FROM a a1 JOIN a a2 ON a2.id = a1.id + 1 JOIN a a3 ON a3.id = a2.id + 1 JOIN a a4 ON a4.id = a3.id + 1"
                + " JOIN a a5 ON a5.id = a4.id + 1 JOIN a a6 ON a6.id = a5.id + 1 JOIN a a7 ON a7.id = a6.id + 1"
                + " JOIN a a8 ON a8.id = a7.id + 1",
        // with filters, projections and derived tables
        "SELECT x.id, y.v FROM (SELECT id, k * 2 AS k2 FROM a WHERE s IS NOT NULL) x JOIN (SELECT k, v FROM c WHERE v <> 'v0') y ON x.k2 = y.k",
        "SELECT a.id + b.id AS total, upper(b.s) AS bs, coalesce(b.k, -1) AS bk FROM a LEFT JOIN b ON a.k = b.k WHERE a.n > 1 OR b.id IS NULL",
        "SELECT a.id FROM a LEFT JOIN b ON a.k = b.k WHERE b.id IS NULL",
        "SELECT * FROM a FULL JOIN c USING (k)",
        "SELECT k, a.id, c.v FROM a RIGHT JOIN c USING (k)",
        // char(n) keys compare without their trailing blanks
        "SELECT a.id, b.id AS bid FROM a JOIN b ON (a.k2 || ' ')::char(4) = b.k2::char(3)",
        // joins under aggregates
        "SELECT a.k, count(*) AS n, sum(b.n) AS total FROM a JOIN b ON a.k = b.k GROUP BY a.k",
        "SELECT a.id, count(b.id) AS partners FROM a LEFT JOIN b ON a.k = b.k GROUP BY a.id",
        "SELECT t.id, t.bid FROM (SELECT a.id, b.id AS bid, a.k FROM a JOIN b ON a.k = b.k) t JOIN c ON c.k = t.k WHERE c.v = 'v1'"})
    void joinFollowsRoundsOfDml(String query) throws Exception {
        oracle.check(query, ROUNDS);
    }

    @Test
    void stateIsEmptyOnceTheTablesAre() throws Exception {
        List<List<String>> rounds = new java.util.ArrayList<>(ROUNDS);
        rounds.add(List.of("DELETE FROM a", "DELETE FROM b", "DELETE FROM c", "DELETE FROM d"));
        for (String query : List.of(
                "SELECT a.id, b.id AS bid FROM a FULL JOIN b ON a.k = b.k AND a.s < b.s",
                "SELECT d.id, a.s, c.v, b.id AS bid FROM d JOIN a ON d.a_id = a.id JOIN c ON c.k = d.c_k LEFT JOIN b ON b.id = a.id",
                "SELECT a.id, c.v FROM a LEFT JOIN c ON a.k > c.k + 3")) {
            assertEquals(0, oracle.check(query, rounds), "state entries left by " + query);
        }
    }
}
