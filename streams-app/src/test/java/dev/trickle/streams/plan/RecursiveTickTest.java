package dev.trickle.streams.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WITH RECURSIVE on the multi-tick oracle: transitive closure over a graph with cycles (UNION), paths that
 * count every derivation (UNION ALL over an acyclic graph), an employee hierarchy with depth and path
 * columns whose subtrees move, recursive CTEs joined with other tables and aggregated, and a CTE read twice.
 * Fixed rounds break paths, close and open cycles and move subtrees; random rounds insert, delete and
 * update edges. After every round the stream table must equal PostgreSQL's result.
 */
class RecursiveTickTest {
    private static final long SEED = Long.getLong("trickle.recursive.seed", 31_337L);

    /**
     * edges: keyless, duplicates, cycles (1→2→3→1, 5↔6) and a self-loop; dag: only src &lt; dst, so UNION ALL
     * terminates; emp: mgr &lt; id always, so the hierarchy has no cycle; dept: departments of the roots.
     */
    static final String[] DATA = {
        "CREATE TABLE edges (src int, dst int, w int)",
        "CREATE TABLE dag (src int, dst int)",
        "CREATE TABLE emp (id int PRIMARY KEY, mgr int, name text, dept int, salary numeric(8,2))",
        "CREATE TABLE dept (id int PRIMARY KEY, title text)",
        "INSERT INTO edges VALUES (1, 2, 1), (2, 3, 1), (3, 1, 2), (3, 4, 1), (4, 5, 3), (5, 6, 1), (6, 5, 1),"
                + " (7, 7, 1), (8, 9, 2), (8, 9, 2), (2, 8, 5)",
        "INSERT INTO dag VALUES (1, 2), (1, 3), (2, 4), (3, 4), (4, 5), (2, 5), (5, 6), (6, 7), (1, 2), (8, 9)",
        "INSERT INTO emp VALUES (1, NULL, 'ann', 1, 100), (2, 1, 'bob', 1, 80), (3, 1, 'cy', 2, 75.50),"
                + " (4, 2, 'dee', 2, 60), (5, 2, 'ed', 1, 60), (6, 3, 'flo', 3, 55), (7, 6, 'gus', 3, 40),"
                + " (8, NULL, 'hal', 4, 90), (9, 8, 'ivy', 4, 70), (10, 9, 'jo', 4, 30), (11, 4, 'kim', 2, 45)",
        "INSERT INTO dept VALUES (1, 'sales'), (2, 'ops'), (3, 'eng'), (4, 'hr')"};

    static final List<List<String>> ROUNDS = List.of(
            // a path breaks: 3→4 goes, so 4, 5, 6 are no longer reachable from the 1-2-3 cycle
            List.of("DELETE FROM edges WHERE src = 3 AND dst = 4", "DELETE FROM dag WHERE src = 4 AND dst = 5",
                    "DELETE FROM emp WHERE id = 6"),
            // a subtree moves: bob's team goes under hal; a root appears
            List.of("UPDATE emp SET mgr = 8 WHERE id = 2", "INSERT INTO emp VALUES (12, NULL, 'lu', 3, 50), (13, 12, 'max', 3, 20)",
                    "UPDATE edges SET dst = 4 WHERE src = 2 AND dst = 8"),
            // an edge update that keeps a row derivable another way, and one that leaves only a cycle
            List.of("UPDATE edges SET src = 9 WHERE src = 1 AND dst = 2", "INSERT INTO edges VALUES (9, 1, 1)",
                    "INSERT INTO dag VALUES (4, 5), (4, 5), (0, 1)"),
            // the cycle loses its entry, then the graph empties and fills again
            List.of("DELETE FROM edges WHERE src = 9", "UPDATE emp SET mgr = NULL WHERE id = 9", "DELETE FROM dag WHERE src = 1"),
            List.of("DELETE FROM edges", "DELETE FROM dag", "DELETE FROM emp WHERE id > 3"),
            List.of("INSERT INTO edges VALUES (1, 2, 1), (2, 1, 1), (2, 3, 2), (3, 3, 1), (NULL, 1, 1), (1, NULL, 1)",
                    "INSERT INTO dag VALUES (1, 2), (2, 3), (1, 3), (NULL, 2)",
                    "INSERT INTO emp VALUES (4, 3, 'dee', 2, 60), (5, 4, 'ed', 1, 61), (6, NULL, 'flo', 9, 1)"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("recursive", List.of("edges", "dag", "emp", "dept"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        // transitive closure over a graph with cycles: UNION stops where rows repeat
        "WITH RECURSIVE tc(a, b) AS (SELECT src, dst FROM edges UNION SELECT tc.a, e.dst FROM tc JOIN edges e ON e.src = tc.b)"
                + " SELECT a, b FROM tc",
        // reachability from one node, the recursive reference on the right of the join
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges WHERE src = 1 UNION SELECT e.dst FROM edges e JOIN r ON e.src = r.n)"
                + " SELECT n FROM r",
        // a filter in the recursive term, a bounded depth over cycles (terminates under UNION in PostgreSQL too)
        "WITH RECURSIVE p(a, b, d) AS (SELECT src, dst, 1 FROM edges WHERE w < 3 UNION SELECT p.a, e.dst, p.d + 1"
                + " FROM p JOIN edges e ON e.src = p.b WHERE p.d < 4 AND e.w < 3) SELECT a, b, d FROM p",
        // every path of an acyclic graph, one row per path (duplicate edges double them)
        "WITH RECURSIVE paths(a, b, len) AS (SELECT src, dst, 1 FROM dag UNION ALL SELECT p.a, d.dst, p.len + 1"
                + " FROM paths p JOIN dag d ON d.src = p.b) SELECT a, b, len FROM paths",
        // the hierarchy with depth and path columns
        "WITH RECURSIVE t(id, name, depth, path) AS (SELECT id, name, 1, name FROM emp WHERE mgr IS NULL"
                + " UNION ALL SELECT e.id, e.name, t.depth + 1, t.path || '/' || e.name FROM emp e JOIN t ON e.mgr = t.id)"
                + " SELECT id, name, depth, path FROM t",
        // aggregated on top of the recursion, joined with other tables
        "WITH RECURSIVE sub(root, id) AS (SELECT id, id FROM emp UNION SELECT sub.root, e.id FROM sub JOIN emp e ON e.mgr = sub.id)"
                + " SELECT d.title, count(*) AS n, sum(x.salary) AS payroll FROM sub JOIN emp x ON x.id = sub.id"
                + " JOIN dept d ON d.id = x.dept GROUP BY d.title",
        "WITH RECURSIVE t(id, depth) AS (SELECT id, 0 FROM emp WHERE mgr IS NULL UNION ALL SELECT e.id, t.depth + 1"
                + " FROM t JOIN emp e ON e.mgr = t.id) SELECT depth, count(*) AS n, max(id) AS top FROM t GROUP BY depth",
        // the recursive term joins a third table
        "WITH RECURSIVE chain(id, dept, title) AS (SELECT e.id, e.dept, d.title FROM emp e JOIN dept d ON d.id = e.dept"
                + " WHERE e.mgr IS NULL UNION SELECT e.id, e.dept, d.title FROM chain c JOIN emp e ON e.mgr = c.id"
                + " JOIN dept d ON d.id = e.dept) SELECT id, dept, title FROM chain",
        // a recursive CTE read twice: pairs of nodes reachable from node 1 both ways
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges WHERE src = 1 UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.n)"
                + " SELECT x.n, y.n AS m FROM r x JOIN r y ON x.n < y.n",
        // an ordinary CTE read twice by a recursive one, DISTINCT on top
        "WITH RECURSIVE heavy AS (SELECT src, dst FROM edges WHERE w > 1), r(a, b) AS (SELECT src, dst FROM heavy"
                + " UNION SELECT r.a, h.dst FROM r JOIN heavy h ON h.src = r.b) SELECT DISTINCT a FROM r WHERE b IS NOT NULL",
        // UNION ALL with the recursive reference on the preserved side of a LEFT JOIN
        "WITH RECURSIVE t(id, depth, dept) AS (SELECT id, 1, dept FROM emp WHERE mgr IS NULL UNION ALL"
                + " SELECT e.id, t.depth + 1, d.id FROM t JOIN emp e ON e.mgr = t.id LEFT JOIN dept d ON d.id = e.dept)"
                + " SELECT id, depth, dept FROM t"})
    void recursiveQueryFollowsRoundsOfDml(String query) throws Exception {
        List<List<String>> rounds = new ArrayList<>(ROUNDS);
        rounds.addAll(randomRounds(new Random(SEED ^ query.hashCode()), 8));
        oracle.check(query, rounds);
    }

    /** Random edge inserts, deletes and updates over a few nodes (cycles come and go in edges, never in dag). */
    static List<List<String>> randomRounds(Random random, int count) {
        List<List<String>> rounds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> round = new ArrayList<>();
            int statements = 1 + random.nextInt(4);
            for (int s = 0; s < statements; s++) {
                int a = random.nextInt(8);
                int b = random.nextInt(8);
                int lo = Math.min(a, b);
                int hi = Math.max(a, b) + (a == b ? 1 : 0);
                round.add(switch (random.nextInt(7)) {
                    case 0, 1 -> "INSERT INTO edges VALUES (" + a + ", " + b + ", " + (1 + random.nextInt(4)) + ")";
                    case 2 -> "DELETE FROM edges WHERE src = " + a + " AND dst IN (" + b + ", " + (b + 1) + ")";
                    case 3 -> "UPDATE edges SET dst = " + b + " WHERE src = " + a;
                    case 4 -> "INSERT INTO dag VALUES (" + lo + ", " + hi + ")";
                    case 5 -> "DELETE FROM dag WHERE src = " + lo;
                    // a subtree moves under an employee with a smaller id (no cycle)
                    default -> "UPDATE emp SET mgr = CASE WHEN id > " + (lo + 1) + " THEN " + (lo + 1) + " ELSE NULL END"
                            + " WHERE id = " + (hi + 2);
                });
            }
            rounds.add(round);
        }
        return rounds;
    }
}
