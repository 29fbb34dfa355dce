package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.Operator;
import dev.trickle.streams.operators.OperatorState;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incremental join shared by every join type. Both inputs are kept indexed by join key
 * ({@link SideIndex}); a tick's deltas are joined as ΔL⋈R + (L+ΔL)⋈ΔR, which is (L+ΔL)⋈(R+ΔR) − L⋈R:
 * first the left delta against the stored right rows, then (with the left delta stored) the right delta
 * against the stored left rows. Only the keys a delta touches are read, so the work per tick follows the
 * changed rows and their join partners, not the size of the inputs.
 *
 * <p>Subclasses say what a matching pair contributes to the output ({@link #pair}) and what a row of a side
 * contributes depending on whether it has a match ({@link #alone}: the NULL-padded row of an outer join,
 * the row itself for a semi or anti join). For the sides that have such a contribution the index keeps each
 * row's number of matches, and a delta that changes it from zero to non-zero, or back, retracts the row's
 * old contribution and emits its new one. This is exact for residual conditions too, and an updated join
 * key that moves a row away from a partner deleted in the same tick leaves no stale row: every change is
 * a retraction of what the old state produced plus what the new state produces.
 */
public abstract class IndexedJoin implements Operator {
    /** An input of the join. */
    protected enum Side { LEFT, RIGHT }

    private static final Logger LOG = LoggerFactory.getLogger(IndexedJoin.class);
    /** The suffix of a keyed side's store name. */
    private static final String BY_KEY = "-by-key";
    protected final JoinCondition condition;
    private final String name;
    private boolean leftDistinct;
    private boolean rightDistinct;
    private boolean leftKeyed;
    private boolean rightKeyed;

    protected IndexedJoin(JoinCondition condition, String name) {
        this.condition = condition;
        this.name = name;
    }

    /**
     * Says which inputs are sets at every tick (the planner found a unique key): their indexes then write a
     * changed row without reading its stored weight first (a point read per changed row on RocksDB). Called once,
     * when the plan is built.
     */
    public final IndexedJoin distinctInputs(boolean left, boolean right) {
        this.leftDistinct = left;
        this.rightDistinct = right;
        return this;
    }

    /**
     * Says which inputs hold at most one row per join key (the join key covers a unique key of a set): their rows
     * are stored under the key alone, so that a partner lookup is a point read (see {@link SideIndex}). Called
     * once, when the plan is built; such an input is a set as well.
     */
    public final IndexedJoin keyedInputs(boolean left, boolean right) {
        this.leftKeyed = left;
        this.rightKeyed = right;
        return this;
    }

    /** Adds {@code weight} copies of the output of a matching pair (nothing for semi and anti joins). */
    protected abstract void pair(ZSet<List<String>> out, List<String> left, List<String> right, long weight);

    /** Whether rows of {@code side} contribute to the output by themselves, depending on whether they match. */
    protected abstract boolean contributesAlone(Side side);

    /** Adds the contribution of {@code weight} copies of a row of {@code side} that has a match or has none. */
    protected abstract void alone(ZSet<List<String>> out, Side side, List<String> row, long weight, boolean matched);

    @Override
    public final int arity() {
        return 2;
    }

    @Override
    public final boolean isStateful() {
        return true;
    }

    @Override
    public final ZSet<List<String>> apply(List<ZSet<List<String>>> inputs, OperatorState state) throws EvaluationException {
        SideIndex left = index(state, Side.LEFT, leftDistinct, leftKeyed);
        SideIndex right = index(state, Side.RIGHT, rightDistinct, rightKeyed);
        ZSet<List<String>> out = new ZSet<>();
        applyDelta(Side.LEFT, inputs.get(0), left, right, out);
        applyDelta(Side.RIGHT, inputs.get(1), right, left, out);
        return out;
    }

    /**
     * A side's index in the layout the plan says ({@code keyed}: store {@code left-by-key}, else {@code left}). Rows
     * found in the other layout's store (after an upgrade, or a unique key that came or went) are moved first, once,
     * with a log line; that check is a prefix scan of an empty store per side and tick.
     */
    private SideIndex index(OperatorState state, Side side, boolean distinct, boolean keyed) {
        String name = side == Side.LEFT ? "left" : "right";
        SideIndex index = new SideIndex(state.store(keyed ? name + BY_KEY : name), contributesAlone(side), distinct,
                keyed);
        OperatorState.KeyValueState other = state.store(keyed ? name : name + BY_KEY);
        if (!other.prefix(new byte[0], 1).isEmpty()) {
            long moved = index.moveFrom(other, condition.keyParts());
            LOG.info("Join {}: {} row(s) of its {} input moved to the state layout {}, once (state written by an "
                    + "earlier version, or the input's unique key {})", describe(), moved, name,
                    keyed ? "by join key (a point read per lookup)" : "by join key and row",
                    keyed ? "was found" : "is gone");
        }
        return index;
    }

    /** Joins one side's delta with the other side's stored rows, key by key, and stores the delta. */
    private void applyDelta(Side side, ZSet<List<String>> delta, SideIndex own, SideIndex other, ZSet<List<String>> out)
            throws EvaluationException {
        // ByteBuffer: a byte[] compared by content, as a map key
        Map<ByteBuffer, List<Map.Entry<List<String>, Long>>> byKey = new LinkedHashMap<>();
        for (Map.Entry<List<String>, Long> change : delta.asMap().entrySet()) {
            List<String> row = change.getKey();
            byte[] key = side == Side.LEFT ? condition.leftKey(row) : condition.rightKey(row);
            if (key != null) {
                byKey.computeIfAbsent(ByteBuffer.wrap(key), k -> new ArrayList<>()).add(change);
            } else if (own.countsMatches()) {
                // a NULL key matches nothing, now or later: the row is output unmatched and never stored
                alone(out, side, row, change.getValue(), false);
            }
        }
        for (Map.Entry<ByteBuffer, List<Map.Entry<List<String>, Long>>> e : byKey.entrySet()) {
            applyKey(side, e.getKey().array(), e.getValue(), own, other, out);
        }
    }

    /** The changes of one key of {@code side}: paired with the other side's rows of that key. */
    private void applyKey(Side side, byte[] key, List<Map.Entry<List<String>, Long>> changes, SideIndex own,
                          SideIndex other, ZSet<List<String>> out) throws EvaluationException {
        List<SideIndex.Entry> partners = other.rows(key);
        if (own.keyed() && changes.size() > 1) {
            // the key's old row goes before its new one comes (the output does not depend on the order)
            changes.sort(Comparator.comparingLong(Map.Entry::getValue));
        }
        // how much each partner's number of matches changes with this delta
        long[] partnerMatches = new long[partners.size()];
        for (Map.Entry<List<String>, Long> change : changes) {
            List<String> row = change.getKey();
            long weight = change.getValue();
            long matches = 0;
            for (int i = 0; i < partners.size(); i++) {
                SideIndex.Entry p = partners.get(i);
                List<String> l = side == Side.LEFT ? row : p.row();
                List<String> r = side == Side.LEFT ? p.row() : row;
                if (condition.residualHolds(l, r)) {
                    matches += p.weight();
                    partnerMatches[i] += weight;
                    pair(out, l, r, Math.multiplyExact(weight, p.weight()));
                }
            }
            if (own.countsMatches()) {
                // the other side is unchanged while this delta is applied: the row's matches are as counted
                alone(out, side, row, weight, matches > 0);
            }
            own.add(key, row, weight, matches);
        }
        if (other.countsMatches()) {
            updatePartners(other(side), partners, partnerMatches, other, out);
        }
    }

    /** Partners whose number of matches went from zero to more, or back, swap their contribution. */
    private void updatePartners(Side side, List<SideIndex.Entry> partners, long[] delta, SideIndex index,
                                ZSet<List<String>> out) {
        for (int i = 0; i < partners.size(); i++) {
            if (delta[i] == 0) {
                continue;
            }
            SideIndex.Entry p = partners.get(i);
            long matches = p.matches() + delta[i];
            if ((p.matches() > 0) != (matches > 0)) {
                alone(out, side, p.row(), -p.weight(), p.matches() > 0);
                alone(out, side, p.row(), p.weight(), matches > 0);
            }
            index.updateMatches(p, matches);
        }
    }

    private static Side other(Side side) {
        return side == Side.LEFT ? Side.RIGHT : Side.LEFT;
    }

    @Override
    public String describe() {
        return name + "(" + condition + ")";
    }
}
