package dev.trickle.streams.operators.join;

import dev.trickle.streams.rows.ZSet;
import java.util.List;

/**
 * SEMI JOIN (EXISTS, IN) and ANTI JOIN (NOT EXISTS): each left row, with its own weight, when it matches at
 * least one right row (semi) or none (anti). The output has the left input's columns only.
 */
public final class SemiJoinOperator extends IndexedJoin {
    private final boolean semi;

    /** @param semi true for a semi join, false for an anti join */
    public SemiJoinOperator(JoinCondition condition, boolean semi) {
        super(condition, semi ? "SemiJoin" : "AntiJoin");
        this.semi = semi;
    }

    @Override
    protected void pair(ZSet<List<String>> out, List<String> left, List<String> right, long weight) {
        // a left row is output once for itself, not once per match
    }

    @Override
    protected boolean contributesAlone(Side side) {
        return side == Side.LEFT;
    }

    @Override
    protected void alone(ZSet<List<String>> out, Side side, List<String> row, long weight, boolean matched) {
        if (matched == semi) {
            out.add(row, weight);
        }
    }
}
