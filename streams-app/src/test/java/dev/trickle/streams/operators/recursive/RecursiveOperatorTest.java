package dev.trickle.streams.operators.recursive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.join.InnerJoinOperator;
import dev.trickle.streams.operators.join.JoinCondition;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The recursive operator on its own, with a hand-built recursive term (r(node, tag) joined with edges(src, dst)
 * on node = src, giving (dst, tag)): DRed's corner cases under UNION (a row held up only by a cycle, a row
 * derivable two ways losing one, a lost and a gained derivation in one tick), derivation counting under
 * UNION ALL, equal rows written differently, and state that empties with its inputs.
 */
class RecursiveOperatorTest {
    private static final List<PgType> TYPES = List.of(PgType.INT4, PgType.NUMERIC);

    /** r JOIN edges ON r.node = edges.src, projected to (dst, tag). */
    private static final class EdgeStep implements RecursiveStep {
        private final InnerJoinOperator join = new InnerJoinOperator(new JoinCondition(2, List.of(key()), null, null));

        private static JoinCondition.KeyPart key() {
            Expr l = row -> PgValues.parse(row.get(0), PgType.INT4);
            Expr r = row -> PgValues.parse(row.get(2), PgType.INT4);
            return new JoinCondition.KeyPart(l, r, false, "node = src");
        }

        @Override
        public ZSet<List<String>> apply(ZSet<List<String>> recursive, List<ZSet<List<String>>> inputs, OperatorState state)
                throws EvaluationException {
            ZSet<List<String>> joined = join.apply(List.of(recursive, inputs.get(0)), name -> state.store("join." + name));
            ZSet<List<String>> out = new ZSet<>();
            joined.forEach((row, w) -> out.add(List.of(row.get(3), row.get(1)), w));
            return out;
        }

        @Override
        public String describe() {
            return "edge step";
        }
    }

    private final InMemoryStateBackend backend = new InMemoryStateBackend();
    private final OperatorState state = backend.forOperator("op0");
    private final ZSet<List<String>> content = new ZSet<>();

    private RecursiveOperator op(boolean all) {
        return new RecursiveOperator("r", all, 1, TYPES, new EdgeStep());
    }

    private void tick(RecursiveOperator op, ZSet<List<String>> seed, ZSet<List<String>> edges) throws Exception {
        content.addAll(op.apply(List.of(seed, edges), state));
    }

    private static ZSet<List<String>> edges(long weight, int... pairs) {
        ZSet<List<String>> out = new ZSet<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.add(List.of(String.valueOf(pairs[i]), String.valueOf(pairs[i + 1])), weight);
        }
        return out;
    }

    private static ZSet<List<String>> nodes(String tag, long weight, int... ids) {
        ZSet<List<String>> out = new ZSet<>();
        for (int id : ids) {
            out.add(List.of(String.valueOf(id), tag), weight);
        }
        return out;
    }

    @Test
    void rowsHeldUpOnlyByACycleGoWhenItsEntryGoes() throws Exception {
        RecursiveOperator op = op(false);
        // 0 → 1 → 2 → 3 → 1 (a cycle) and 3 → 4
        tick(op, nodes("1.5", 1, 0), edges(1, 0, 1, 1, 2, 2, 3, 3, 1, 3, 4));
        assertEquals(nodes("1.5", 1, 0, 1, 2, 3, 4), content);
        // the entry to the cycle goes: every row held up only by the cycle goes with it
        tick(op, new ZSet<>(), edges(-1, 0, 1));
        assertEquals(nodes("1.5", 1, 0), content);
        // a lost and a gained derivation of 1 in one tick: 0 → 1 comes back as 3 → 1 goes
        tick(op, new ZSet<>(), edges(1, 0, 1));
        tick(op, new ZSet<>(), edges(-1, 3, 1).addAll(edges(1, 0, 2, 2, 1)));
        assertEquals(nodes("1.5", 1, 0, 1, 2, 3, 4), content);
        // 1 is derivable from 0 and from 2; losing 0 → 1 keeps it (through 0 → 2 → 1)
        tick(op, new ZSet<>(), edges(-1, 0, 1));
        assertEquals(nodes("1.5", 1, 0, 1, 2, 3, 4), content);
        // the seed goes: nothing is left, and neither is any state of the operator's rows
        tick(op, nodes("1.5", -1, 0), new ZSet<>());
        assertTrue(content.isEmpty(), content.toString());
        tick(op, new ZSet<>(), edges(-1, 0, 2, 1, 2, 2, 1, 2, 3, 3, 4));
        assertEquals(0, backend.size());
    }

    @Test
    void equalRowsWrittenDifferentlyAreOneRowUnderUnion() throws Exception {
        RecursiveOperator op = op(false);
        // (1, 1.5) and (1, 1.50) are one row to PostgreSQL's UNION
        tick(op, nodes("1.5", 1, 0).addAll(nodes("1.50", 1, 1)), edges(1, 0, 1));
        // shown as first derived: the seed's 1.50
        assertEquals(nodes("1.5", 1, 0).addAll(nodes("1.50", 1, 1)), content);
        // the seed goes; 1 is still derived from 0, as 1.5, and shown so
        tick(op, nodes("1.50", -1, 1), new ZSet<>());
        assertEquals(nodes("1.5", 1, 0, 1), content);
        tick(op, nodes("1.5", -1, 0), new ZSet<>());
        assertTrue(content.isEmpty(), content.toString());
    }

    @Test
    void unionAllCountsEveryPath() throws Exception {
        RecursiveOperator op = op(true);
        // two paths 0 → 3 (through 1 and through 2), the edge 1 → 3 twice
        tick(op, nodes("x", 1, 0), edges(1, 0, 1, 0, 2, 1, 3, 1, 3, 2, 3));
        assertEquals(3, content.weight(List.of("3", "x")));
        tick(op, new ZSet<>(), edges(-1, 1, 3));
        assertEquals(2, content.weight(List.of("3", "x")));
        tick(op, nodes("x", 1, 0), new ZSet<>());
        assertEquals(4, content.weight(List.of("3", "x")));
        tick(op, nodes("x", -2, 0), edges(-1, 0, 1, 0, 2, 1, 3, 2, 3));
        assertTrue(content.isEmpty(), content.toString());
        assertEquals(0, backend.size());
    }

    @Test
    void unionAllOverACycleFailsTheTickAndSaysWhy() throws Exception {
        RecursiveOperator op = op(true);
        tick(op, nodes("x", 1, 0), edges(1, 0, 1, 1, 2));
        EvaluationException e = assertThrows(EvaluationException.class, () -> tick(op, new ZSet<>(), edges(1, 2, 0)));
        assertTrue(e.getMessage().contains("does not terminate") && e.getMessage().contains("depth limit"), e.getMessage());
        // branching cycles multiply paths until a weight overflows: the same error, not an arithmetic one
        RecursiveOperator other = new RecursiveOperator("r", true, 1, TYPES, new EdgeStep());
        InMemoryStateBackend fresh = new InMemoryStateBackend();
        ZSet<List<String>> doubled = edges(2, 0, 1, 1, 0);
        EvaluationException overflow = assertThrows(EvaluationException.class,
                () -> other.apply(List.of(nodes("x", 1, 0), doubled), fresh.forOperator("op0")));
        assertTrue(overflow.getMessage().contains("does not terminate"), overflow.getMessage());
    }
}
