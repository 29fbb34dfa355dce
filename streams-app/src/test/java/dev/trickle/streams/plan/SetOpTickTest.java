package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UNION [ALL], INTERSECT [ALL] and EXCEPT [ALL] against PostgreSQL, tick after tick ({@link TickOracle}), over
 * keyless tables full of duplicates and NULLs (multiset semantics: INTERSECT ALL keeps the least count, EXCEPT
 * ALL the difference), with rounds that add and remove single copies, empty one side, then everything.
 */
class SetOpTickTest {
    private static final String[] DATA = {
        "CREATE TABLE ka (x int, s text, c char(3), n numeric(6,2))",
        "CREATE TABLE kb (x int, s text, c char(3), n numeric(6,2))",
        "CREATE TABLE a (id int PRIMARY KEY, x int, s text)",
        "INSERT INTO ka SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 END, CASE WHEN i % 6 = 0 THEN NULL ELSE 's' || i % 3 END,"
                + " chr(97 + i % 2), (i % 4) * 1.5 FROM generate_series(1, 40) i",
        "INSERT INTO kb SELECT CASE WHEN i % 9 = 0 THEN NULL ELSE i % 7 END, CASE WHEN i % 4 = 0 THEN NULL ELSE 's' || i % 4 END,"
                + " chr(97 + i % 3), (i % 3) * 1.5 FROM generate_series(1, 25) i",
        "INSERT INTO a SELECT i, i % 6, 's' || i % 2 FROM generate_series(1, 12) i"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO ka VALUES (1, 's1', 'a', 1.50), (NULL, NULL, NULL, NULL), (9, 's9', 'z', 9)",
                    "INSERT INTO kb VALUES (9, 's9', 'z', 9.00), (NULL, NULL, NULL, NULL), (1, 's1', 'a', 1.5)"),
            List.of("DELETE FROM ka WHERE ctid IN (SELECT ctid FROM ka WHERE x = 1 LIMIT 2)",
                    "DELETE FROM kb WHERE ctid IN (SELECT ctid FROM kb WHERE x IS NULL LIMIT 1)", "UPDATE a SET x = x + 1 WHERE id % 4 = 0"),
            List.of("UPDATE ka SET s = 's2' WHERE x = 2", "UPDATE kb SET x = 3 WHERE x = 4", "DELETE FROM a WHERE x = 0"),
            List.of("DELETE FROM kb"),
            List.of("INSERT INTO kb SELECT * FROM ka WHERE x < 3", "INSERT INTO kb SELECT * FROM ka WHERE x = 1"),
            List.of("DELETE FROM ka WHERE x IS NOT NULL"),
            List.of("DELETE FROM ka", "DELETE FROM kb", "DELETE FROM a"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("setops", List.of("ka", "kb", "a"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT x, s FROM ka UNION SELECT x, s FROM kb",
        "SELECT x, s FROM ka INTERSECT SELECT x, s FROM kb",
        "SELECT x, s FROM ka INTERSECT ALL SELECT x, s FROM kb",
        "SELECT x, s FROM ka EXCEPT SELECT x, s FROM kb",
        "SELECT x, s FROM ka EXCEPT ALL SELECT x, s FROM kb",
        "SELECT x FROM kb EXCEPT ALL SELECT x FROM ka",
        "SELECT x FROM ka EXCEPT SELECT x FROM kb EXCEPT SELECT x FROM a",
        "SELECT x FROM ka EXCEPT ALL SELECT x FROM kb EXCEPT ALL SELECT x FROM a",
        "SELECT x FROM ka INTERSECT ALL SELECT x FROM kb INTERSECT ALL SELECT x FROM a",
        "SELECT x FROM ka UNION SELECT x FROM kb UNION SELECT x FROM a",
        "(SELECT x FROM ka UNION ALL SELECT x FROM kb) INTERSECT ALL SELECT x FROM a",
        "SELECT x FROM ka UNION ALL SELECT x FROM kb EXCEPT SELECT x FROM a",
        // equal values written differently, types resolved as PostgreSQL does (char(3) then text make char)
        "SELECT n, c FROM ka INTERSECT SELECT n, c FROM kb",
        "SELECT c FROM ka UNION SELECT s FROM kb",
        "SELECT s FROM a UNION ALL SELECT c FROM kb",
        // types Calcite unifies with casts of its own (integer and numeric, date and timestamp); names from the leftmost query
        "SELECT x FROM ka UNION SELECT n FROM kb",
        "SELECT n FROM ka UNION ALL SELECT x FROM kb INTERSECT SELECT x FROM a",
        "SELECT x + 1 FROM ka UNION SELECT x FROM kb",
        "SELECT DATE '2024-01-01' + x AS day FROM ka UNION ALL SELECT TIMESTAMP '2024-01-01 12:30:00' FROM kb WHERE x = 1",
        "SELECT x FROM ka WHERE x IN (SELECT x FROM kb UNION SELECT n FROM ka)",
        // over aggregates, and aggregated
        "SELECT x, count(*) AS c FROM ka GROUP BY x UNION SELECT x, count(*) FROM kb GROUP BY x",
        "SELECT x, s, count(*) AS c FROM (SELECT x, s FROM ka INTERSECT ALL SELECT x, s FROM kb) i GROUP BY x, s"})
    void setOperationsFollowEveryTick(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS), "state left after the tables were emptied");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT x, s FROM ka UNION ALL SELECT x, s FROM kb",
        "SELECT x, s, n FROM ka UNION ALL SELECT x, s, NULL FROM a WHERE x > 2"})
    void unionAllKeepsNoState(String query) throws Exception {
        assertEquals(0, oracle.check(query, ROUNDS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT count(*) FROM (SELECT x FROM ka EXCEPT ALL SELECT x FROM kb) e",
        // named after the aggregate, as PostgreSQL names it
        "SELECT count(*) FILTER (WHERE x > 1) FROM ka UNION ALL SELECT count(*) FROM kb"})
    void countsOverSetOperations(String query) throws Exception {
        // the count over no rows is a row: its group stays
        assertEquals(query.contains("UNION") ? 2 : 1, oracle.check(query, ROUNDS));
    }
}
