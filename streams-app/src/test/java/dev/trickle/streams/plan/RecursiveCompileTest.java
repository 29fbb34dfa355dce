package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.CountingOperatorState;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * WITH RECURSIVE in the compiler: what it refuses (and why), what explain shows, that a CTE read twice is
 * computed once, that a tick's work follows the change and what it derives (not the graph's size), and that
 * a recursion PostgreSQL would run forever fails the tick instead.
 */
class RecursiveCompileTest {
    private static final SourceTable EDGES = new SourceTable("public", "edges", List.of(
            new SourceColumn("src", "integer"), new SourceColumn("dst", "integer")));
    private static final SourceTable LABELS = new SourceTable("public", "labels", List.of(
            new SourceColumn("id", "integer"), new SourceColumn("label", "text")));
    /** A source table called like the CTE: the CTE's own name inside it must not read this table. */
    private static final SourceTable R = new SourceTable("public", "r", List.of(new SourceColumn("zzz", "integer")));
    private static final SourceCatalog CATALOG = (schema, name) -> Optional.ofNullable(
            name.equals("edges") ? EDGES : name.equals("labels") ? LABELS : name.equals("r") ? R : null);

    private static final String REACHABLE = "WITH RECURSIVE r(n) AS (SELECT src FROM edges WHERE src = 0"
            + " UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.n) SELECT n FROM r";
    private static final String PATHS = "WITH RECURSIVE r(a, b, len) AS (SELECT src, dst, 1 FROM edges"
            + " UNION ALL SELECT r.a, e.dst, r.len + 1 FROM r JOIN edges e ON e.src = r.b) SELECT a, b, len FROM r";

    private static CompiledQuery compile(String sql) throws Exception {
        return QueryCompiler.compile(sql, List.of("public"), CATALOG);
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiterString = " => ", value = {
        // UNION's deletions need a monotone term: a LEFT JOIN's padded rows vanish when the other side gains rows
        "WITH RECURSIVE r(n, l) AS (SELECT src, 'x' FROM edges UNION SELECT e.dst, x.label FROM r JOIN edges e ON e.src = r.n"
                + " LEFT JOIN labels x ON x.id = e.dst) SELECT n FROM r => WITH RECURSIVE r with LEFT JOIN on its recursive reference under UNION",
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges UNION SELECT e.dst FROM r JOIN edges e ON e.src = r.n"
                + " WHERE NOT EXISTS (SELECT 1 FROM labels x WHERE x.id = e.dst)) SELECT n FROM r => WITH RECURSIVE r with",
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges UNION SELECT x.n FROM r x JOIN r y ON x.n = y.n) SELECT n FROM r"
                + " => WITH RECURSIVE r whose recursive term reads r 2 times",
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges UNION SELECT n + 1 FROM (SELECT max(n) AS n FROM r) m) SELECT n FROM r"
                + " => WITH RECURSIVE r with aggregate over its recursive reference",
        "WITH RECURSIVE r(n) AS (SELECT src FROM edges UNION ALL SELECT r.n::bigint + 1 FROM r WHERE r.n < 5) SELECT n FROM r"
                + " => column 1 of type integer in the non-recursive term but bigint in the recursive term"})
    void refusesWhatItCannotMaintainExactly(String sql, String construct) {
        UnsupportedQueryException e = assertThrows(UnsupportedQueryException.class, () -> compile(sql));
        assertTrue(e.getMessage().contains(construct), e.getMessage());
    }

    @Test
    void explainShowsTheFixpointAndItsRecursiveTerm() throws Exception {
        CompiledQuery q = compile(REACHABLE);
        assertEquals(List.of("public.edges"), q.sources().stream().map(SourceTable::qualifiedName).toList());
        assertTrue(q.explain().contains("RecursiveUnion(r; recursive term: Project(") && q.explain().contains("InnerJoin"),
                q.explain());
        assertTrue(compile(PATHS).explain().contains("RecursiveUnionAll(r; "), compile(PATHS).explain());
    }

    @Test
    void aCteReadTwiceIsComputedOncePerTick() throws Exception {
        CompiledQuery q = compile("WITH RECURSIVE r(n) AS (SELECT src FROM edges WHERE src = 0 UNION SELECT e.dst FROM r"
                + " JOIN edges e ON e.src = r.n), c AS (SELECT n, count(*) AS k FROM r GROUP BY n)"
                + " SELECT x.n, y.k FROM c x JOIN c y ON x.n = y.n + 1");
        CountingBackend state = new CountingBackend();
        q.pipeline().apply(Map.of("public.edges", edges(0, 10)), state);
        // one recursive operator, one aggregate, one join: each runs once per tick although the query reads c twice
        assertEquals(3, state.operatorRuns, q.explain());
        assertTrue(q.explain().contains("(shared: computed once, shown above)"), q.explain());
    }

    @Test
    void aTickReadsWhatTheChangeDerivesNotTheGraph() throws Exception {
        int n = 2_000;
        for (String sql : List.of(REACHABLE, "WITH RECURSIVE r(n, depth) AS (SELECT src, 0 FROM edges WHERE src = 0"
                + " UNION ALL SELECT e.dst, r.depth + 1 FROM r JOIN edges e ON e.src = r.n) SELECT n, depth FROM r")) {
            CompiledQuery q = compile(sql);
            CountingBackend state = new CountingBackend();
            assertEquals(n + 1, q.pipeline().apply(Map.of("public.edges", edges(0, n)), state).size());
            // the chain's last edge goes, and comes back
            for (int w : new int[] {-1, 1}) {
                state.reset();
                ZSet<List<String>> out = q.pipeline().apply(Map.of("public.edges", edge(n - 1, n, w)), state);
                assertEquals(1, out.size(), sql);
                assertTrue(state.entriesRead() < 40, sql + " read " + state.entriesRead() + " entries for one edge");
            }
            // an edge off the middle of the chain: one new row
            state.reset();
            q.pipeline().apply(Map.of("public.edges", edge(n / 2, -1, 1)), state);
            assertTrue(state.entriesRead() < 40, sql + " read " + state.entriesRead() + " entries for one edge");
        }
    }

    @Test
    void aRecursionWithoutFixpointFailsTheTick() throws Exception {
        CompiledQuery paths = compile(PATHS);
        paths.pipeline().apply(Map.of("public.edges", edges(0, 5)));
        // 5 → 0 closes a cycle: PostgreSQL's UNION ALL would loop forever
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> paths.pipeline().apply(Map.of("public.edges", edge(5, 0, 1))));
        assertTrue(e.getMessage().startsWith("recursive query \"r\" does not terminate"), e.getMessage());
        // UNION stops where rows repeat: the same cycle is fine, and everything is reachable
        CompiledQuery reachable = compile(REACHABLE);
        reachable.pipeline().apply(Map.of("public.edges", edges(0, 5)));
        assertEquals(new ZSet<List<String>>(), reachable.pipeline().apply(Map.of("public.edges", edge(5, 0, 1))));
    }

    /** The chain from → from+1 → ... → to. */
    private static ZSet<Map<String, String>> edges(int from, int to) {
        ZSet<Map<String, String>> out = new ZSet<>();
        for (int i = from; i < to; i++) {
            out.addAll(edge(i, i + 1, 1));
        }
        return out;
    }

    private static ZSet<Map<String, String>> edge(int src, int dst, long weight) {
        return new ZSet<Map<String, String>>().add(Map.of("src", String.valueOf(src), "dst", String.valueOf(dst)), weight);
    }

    /** Operator state in memory that counts, over all operators, the entries read and how often an operator ran. */
    private static final class CountingBackend implements StateBackend {
        private final InMemoryStateBackend inner = new InMemoryStateBackend();
        private final List<CountingOperatorState> states = new ArrayList<>();
        int operatorRuns;

        @Override
        public OperatorState forOperator(String operatorId) {
            operatorRuns++;
            CountingOperatorState s = new CountingOperatorState(inner.forOperator(operatorId));
            states.add(s);
            return s;
        }

        long entriesRead() {
            return states.stream().mapToLong(CountingOperatorState::entriesRead).sum();
        }

        void reset() {
            states.clear();
            operatorRuns = 0;
        }

        @Override
        public void clear() {
            inner.clear();
        }
    }
}
