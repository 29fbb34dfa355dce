package dev.trickle.streams.operators.recursive;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.operators.TextState;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A recursive CTE ({@code WITH RECURSIVE r AS (seed UNION [ALL] recursive term)}) kept at its fixpoint
 * incrementally. Input 0 is the seed's delta, the others the deltas of the recursive term's inputs that do
 * not depend on {@code r}; the {@link RecursiveStep} turns changes of {@code r} and of those inputs into
 * changes of the recursive term's result. A tick does work that grows with the change and what it derives.
 *
 * <p>UNION ALL (a bag, one row per derivation path): since the term is linear in {@code r}, the change of
 * {@code r} is the seed's and the inputs' change pushed through the term until nothing new comes out
 * (semi-naive evaluation with weights, which counts derivations exactly, deletions included).
 *
 * <p>UNION (a set): per distinct row the number of its derivations (seed copies plus derivations by the
 * recursive term from rows of {@code r}) is kept, but counts alone cannot delete rows that only derive each
 * other around a cycle. So deletions go by DRed (delete and re-derive): every row that lost a derivation
 * is taken out of {@code r} together with everything derived through it; then each removed row that still
 * has a derivation, and each new row, is put (back) in, and what it derives follows. For this the recursive
 * term must be monotone (the translator checks it): the inputs' deletions are pushed through before their
 * insertions, so that a lost and a gained derivation of one row cannot cancel out unseen.
 *
 * <p>PostgreSQL loops forever on a recursion that never stops producing new rows (UNION ALL over cyclic
 * data, or a growing depth or path column under either form). The stream table cannot, so a tick that has
 * not reached the fixpoint after {@link #MAX_ROUNDS} passes fails with an error that says so.
 */
public final class RecursiveOperator implements Operator {
    /** Passes of the recursive term in one tick (over a chain or tree: its depth) before the tick fails. */
    public static final int MAX_ROUNDS = 10_000;

    private final String name;
    private final boolean all;
    private final int arity;
    private final RecursiveStep step;
    private final ValueEquality equality;

    /**
     * @param name        the CTE's name, for messages
     * @param columnTypes the CTE's column types (PostgreSQL's equality decides which rows are duplicates)
     */
    public RecursiveOperator(String name, boolean all, int inputs, List<PgType> columnTypes, RecursiveStep step) {
        this.name = name;
        this.all = all;
        this.arity = 1 + inputs;
        this.step = step;
        this.equality = new ValueEquality(columnTypes);
    }

    @Override
    public int arity() {
        return arity;
    }

    @Override
    public boolean isStateful() {
        return true;
    }

    @Override
    public ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException {
        ZSet<List<String>> seed = inputs.get(0);
        List<ZSet<List<String>>> others = inputs.subList(1, inputs.size());
        try {
            return all ? bag(seed, others, state) : set(seed, others, state);
        } catch (ArithmeticException e) {
            // a weight overflowed: the derivation paths multiply without end
            throw notTerminating();
        }
    }

    private ZSet<List<String>> bag(ZSet<List<String>> seed, List<ZSet<List<String>>> others, OperatorState state)
            throws EvaluationException {
        ZSet<List<String>> derived = new ZSet<List<String>>().addAll(seed).addAll(step.apply(new ZSet<>(), others, state));
        ZSet<List<String>> out = new ZSet<List<String>>().addAll(derived);
        int rounds = 0;
        while (!derived.isEmpty()) {
            if (++rounds > MAX_ROUNDS) {
                throw notTerminating();
            }
            derived = step.apply(derived, none(), state);
            out.addAll(derived);
        }
        return out;
    }

    private ZSet<List<String>> set(ZSet<List<String>> seed, List<ZSet<List<String>>> others, OperatorState state)
            throws EvaluationException {
        DerivationCounts rows = new DerivationCounts(TextState.of(state.store("rows")), equality);
        // 1. the inputs' deletions and the seed's change: which rows lost a derivation
        ZSet<List<String>> lost = step.apply(new ZSet<>(), part(others, -1), state);
        rows.count(lost);
        rows.count(seed);
        List<DerivationCounts.Row> wave = rows.lostMembers(lost);
        wave.addAll(rows.lostMembers(seed));
        // 2. over-delete: those rows leave r, and every row derived through them
        int rounds = 0;
        while (!wave.isEmpty()) {
            rounds = checkRounds(rounds);
            ZSet<List<String>> leaving = new ZSet<>();
            for (DerivationCounts.Row r : wave) {
                if (r.in) {
                    r.in = false;
                    leaving.add(r.shown, -1);
                }
            }
            ZSet<List<String>> derived = step.apply(leaving, none(), state);
            rows.count(derived);
            wave = rows.lostMembers(derived);
        }
        // 3. the inputs' insertions; then every row with a derivation left or new enters r, and what it derives
        rows.count(step.apply(new ZSet<>(), part(others, 1), state));
        wave = rows.supportedOutside();
        while (!wave.isEmpty()) {
            rounds = checkRounds(rounds);
            ZSet<List<String>> entering = new ZSet<>();
            for (DerivationCounts.Row r : wave) {
                if (!r.in) {
                    r.enter();
                    entering.add(r.shown, 1);
                }
            }
            ZSet<List<String>> derived = step.apply(entering, none(), state);
            rows.count(derived);
            wave = rows.supportedOutside(derived);
        }
        return rows.commit();
    }

    private int checkRounds(int rounds) throws EvaluationException {
        if (rounds + 1 > MAX_ROUNDS) {
            throw notTerminating();
        }
        return rounds + 1;
    }

    private EvaluationException notTerminating() {
        return new EvaluationException("recursive query \"" + name + "\" does not terminate: no fixpoint after "
                + MAX_ROUNDS + " passes of its recursive term (PostgreSQL would loop forever on this data, e.g. UNION ALL"
                + " over a cycle, or a depth or path column that grows around one); stop the recursion with a condition"
                + " such as a depth limit, or use UNION where rows repeat");
    }

    /** The rows of each delta with the given sign of weight. */
    private static List<ZSet<List<String>>> part(List<ZSet<List<String>>> deltas, int sign) {
        List<ZSet<List<String>>> out = new ArrayList<>();
        for (ZSet<List<String>> d : deltas) {
            ZSet<List<String>> p = new ZSet<>();
            d.forEach((row, w) -> {
                if (Long.signum(w) == sign) {
                    p.add(row, w);
                }
            });
            out.add(p);
        }
        return out;
    }

    private List<ZSet<List<String>>> none() {
        List<ZSet<List<String>>> out = new ArrayList<>();
        for (int i = 1; i < arity; i++) {
            out.add(new ZSet<>());
        }
        return out;
    }

    @Override
    public String describe() {
        return "Recursive" + (all ? "UnionAll" : "Union") + "(" + name + "; recursive term: " + step.describe() + ")";
    }
}
