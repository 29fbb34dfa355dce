package dev.trickle.streams.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shrinker and the regression file form on their own, with a stand-in for "still fails". */
class ShrinkerTest {
    private static final FuzzCase CASE = new FuzzCase(
            List.of("CREATE TABLE t0 (id integer PRIMARY KEY, k integer)", "CREATE TABLE t1 (k integer, s0 text)"),
            List.of("INSERT INTO t0 VALUES (1, 1)", "INSERT INTO t0 VALUES (2, 2)", "INSERT INTO t0 VALUES (3, NULL)",
                    "INSERT INTO t1 VALUES (2, 'it''s')", "INSERT INTO t1 VALUES (1, 'b')"),
            List.of(List.of("DELETE FROM t1 WHERE k = 1", "UPDATE t0 SET k = 2 WHERE id = 1"),
                    List.of("INSERT INTO t1 VALUES (3, 'c')"),
                    List.of("TRUNCATE t0", "UPDATE t1 SET k = k + 1 WHERE k IS NULL")),
            null);

    @Test
    void shrinksRoundsRowsAndQueryWhileTheCaseStillFails() {
        Node where = Node.of(" WHERE ", Node.list(" AND ", List.of(Node.text("a0.k > 0"), Node.text("a1.s0 LIKE 'b%'")), 1))
                .orSmaller(Node.text(""));
        Node query = Node.of("SELECT ", Node.list(", ", List.of(Node.text("a0.id AS c0"),
                        Node.of("upper(", Node.text("a1.s0"), ") AS c1").orSmaller(Node.text("'a' AS c1"))), 1),
                " FROM t0 a0 JOIN t1 a1 ON a0.k = a1.k", where);
        // "the bug": a join query, the row (2, 2) of t0, and the TRUNCATE
        Shrinker shrinker = new Shrinker(c -> c.query().contains("JOIN") && c.rows().contains("INSERT INTO t0 VALUES (2, 2)")
                && c.rounds().stream().anyMatch(r -> r.contains("TRUNCATE t0")), 10_000);
        FuzzCase small = shrinker.shrink(CASE, query);
        assertEquals(List.of("INSERT INTO t0 VALUES (2, 2)"), small.rows());
        assertEquals(List.of(List.of("TRUNCATE t0")), small.rounds());
        assertEquals(CASE.ddl(), small.ddl(), "both tables are in the query");
        // the first select item dropped, the second replaced by its literal, the WHERE clause dropped
        assertEquals("SELECT 'a' AS c1 FROM t0 a0 JOIN t1 a1 ON a0.k = a1.k", small.query());
    }

    @Test
    void dropsTablesTheQueryDoesNotName() {
        Shrinker shrinker = new Shrinker(c -> c.rows().contains("INSERT INTO t0 VALUES (2, 2)"), 10_000);
        FuzzCase small = shrinker.shrink(CASE, Node.text("SELECT a0.k AS c0 FROM t0 a0"));
        assertEquals(List.of("t0"), small.tables());
        assertEquals(List.of(), small.rounds());
    }

    @Test
    void regressionFilesReadBackAsTheCaseTheyWrite() {
        FuzzCase c = CASE.withQuery("SELECT a0.k AS c0, count(*) AS c1 FROM t0 a0 GROUP BY a0.k");
        String file = c.toFile(List.of("a comment", "-- schema inside a comment is a comment"));
        assertEquals(c, FuzzCase.parse(file));
        assertEquals(List.of("t0", "t1"), FuzzCase.parse(file).tables());
    }

    @Test
    void theSameSeedGeneratesTheSameCase() {
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(generate(seed), generate(seed));
        }
    }

    private static String generate(long seed) {
        Random r = new Random(seed);
        FuzzSchema schema = FuzzSchema.generate(r);
        QueryGen queries = new QueryGen(r, schema);
        return schema.ddl() + "\n" + schema.rows(r) + "\n" + schema.rounds(r, 4) + "\n" + queries.generate().node().sql()
                + "\n" + queries.generate().node().sql();
    }
}
