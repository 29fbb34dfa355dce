package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WITH RECURSIVE stream tables in DIFFERENTIAL mode on the real stack: an org chart with depth and path
 * columns whose subtrees move, the transitive closure of a graph whose cycles open and close, team sizes
 * aggregated over the recursion; each equals its query after every round. A UNION ALL recursion that a new
 * cycle makes infinite (PostgreSQL would loop forever) stops the stream table in ERROR saying why, and a
 * refresh brings it back once the cycle is gone.
 */
class RecursiveEndToEndTest extends E2eSupport {
    static final String ORG = "public.st_rec_org";
    static final String ORG_Q = "WITH RECURSIVE t(id, name, depth, path) AS (SELECT id, name, 1, name FROM rec_emp WHERE mgr IS NULL"
            + " UNION ALL SELECT e.id, e.name, t.depth + 1, t.path || '/' || e.name FROM rec_emp e JOIN t ON e.mgr = t.id)"
            + " SELECT id, name, depth, path FROM t";
    static final String REACH = "public.st_rec_reach";
    static final String REACH_Q = "WITH RECURSIVE tc(a, b) AS (SELECT src, dst FROM rec_edges UNION SELECT tc.a, e.dst"
            + " FROM tc JOIN rec_edges e ON e.src = tc.b) SELECT a, b FROM tc";
    static final String TEAMS = "public.st_rec_teams";
    static final String TEAMS_Q = "WITH RECURSIVE sub(boss, id) AS (SELECT mgr, id FROM rec_emp WHERE mgr IS NOT NULL"
            + " UNION SELECT sub.boss, e.id FROM sub JOIN rec_emp e ON e.mgr = sub.id)"
            + " SELECT b.name, count(*) AS team FROM sub JOIN rec_emp b ON b.id = sub.boss GROUP BY b.name";
    static final String PATHS = "public.st_rec_paths";
    static final String PATHS_Q = "WITH RECURSIVE p(a, b, len) AS (SELECT src, dst, 1 FROM rec_dag UNION ALL"
            + " SELECT p.a, d.dst, p.len + 1 FROM p JOIN rec_dag d ON d.src = p.b) SELECT a, b, len FROM p";
    static final String[] ALL = {ORG, REACH, TEAMS, PATHS};

    @BeforeAll
    static void create() throws Exception {
        exec("CREATE TABLE rec_emp (id int PRIMARY KEY, mgr int, name text)",
             "CREATE TABLE rec_edges (src int, dst int)",
             "CREATE TABLE rec_dag (src int, dst int)",
             "INSERT INTO rec_emp SELECT g, CASE WHEN g <= 3 THEN NULL ELSE g / 3 END, 'e' || g FROM generate_series(1, 120) g",
             "INSERT INTO rec_edges SELECT g, g % 40 + 1 FROM generate_series(1, 40) g",
             "INSERT INTO rec_edges SELECT g, g + 100 FROM generate_series(1, 40, 7) g",
             "INSERT INTO rec_dag SELECT g, g + 1 + g % 3 FROM generate_series(1, 30) g",
             create("st_rec_org", ORG_Q), create("st_rec_reach", REACH_Q), create("st_rec_teams", TEAMS_Q),
             create("st_rec_paths", PATHS_Q));
        awaitActive(ALL);
    }

    private static String create(String name, String query) {
        return "SELECT pgtrickle.create_stream_table('" + name + "', '" + query.replace("'", "''")
                + "', refresh_mode => 'DIFFERENTIAL')";
    }

    @Test
    void recursiveStreamTablesFollowRoundsOfDml() throws Exception {
        for (String st : ALL) {
            String name = st.substring("public.".length());
            assertEquals("DIFFERENTIAL", one("SELECT effective_mode FROM pgtrickle.explain_st('" + name + "')"), st);
        }
        assertAll();
        List<List<String>> rounds = List.of(
                // the big ring 1 → 2 → ... → 40 → 1 breaks in two places; a subtree moves to another root
                List.of("DELETE FROM rec_edges WHERE src IN (10, 30) AND dst < 100", "UPDATE rec_emp SET mgr = 3 WHERE id = 4",
                        "DELETE FROM rec_dag WHERE src = 12"),
                // it closes again through new nodes; a manager leaves (their team loses its root)
                List.of("INSERT INTO rec_edges VALUES (10, 200), (200, 11), (30, 31)", "DELETE FROM rec_emp WHERE id = 5",
                        "INSERT INTO rec_dag VALUES (12, 14), (12, 14), (0, 1)"),
                List.of("UPDATE rec_edges SET dst = 1 WHERE src = 200", "UPDATE rec_emp SET mgr = NULL WHERE id = 20",
                        "UPDATE rec_emp SET mgr = 2 WHERE id BETWEEN 60 AND 70", "DELETE FROM rec_dag WHERE src % 5 = 0"));
        for (List<String> round : rounds) {
            commitTogether(round);
            awaitCaughtUp(ALL);
            assertAll();
        }
    }

    @Test
    void aCycleUnderUnionAllStopsTheStreamTableSayingWhy() throws Exception {
        String name = "st_rec_cyclic";
        String query = "WITH RECURSIVE p(a, b) AS (SELECT src, dst FROM rec_cycle UNION ALL SELECT p.a, c.dst FROM p"
                + " JOIN rec_cycle c ON c.src = p.b) SELECT a, b FROM p";
        String st = "public." + name;
        exec("CREATE TABLE rec_cycle (src int, dst int)", "INSERT INTO rec_cycle VALUES (1, 2), (2, 3)", create(name, query));
        awaitActive(st);
        assertMatches(st, "*", query);
        exec("INSERT INTO rec_cycle VALUES (3, 1)");
        await(st + " to stop at the cycle", sql(() -> "ERROR".equals(status(st))));
        String error = value("last_error", st);
        assertTrue(error.contains("does not terminate") && error.contains("depth limit"), error);
        exec("DELETE FROM rec_cycle WHERE src = 3", "SELECT pgtrickle.refresh_stream_table('" + name + "')");
        awaitActive(st);
        awaitCaughtUp(st);
        assertMatches(st, "*", query);
    }

    private static void assertAll() throws Exception {
        assertMatches(ORG, "*", ORG_Q);
        assertMatches(REACH, "*", REACH_Q);
        assertMatches(TEAMS, "*", TEAMS_Q);
        assertMatches(PATHS, "*", PATHS_Q);
    }
}
