package dev.trickle.streams.operators.join;

import dev.trickle.streams.rows.ZSet;
import java.util.List;

/** INNER and CROSS JOIN: the matching pairs, each with the product of its rows' weights. */
public final class InnerJoinOperator extends IndexedJoin {
    public InnerJoinOperator(JoinCondition condition) {
        super(condition, "InnerJoin");
    }

    @Override
    protected void pair(ZSet<List<String>> out, List<String> left, List<String> right, long weight) {
        out.add(JoinRows.joined(left, right), weight);
    }

    @Override
    protected boolean contributesAlone(Side side) {
        return false;
    }

    @Override
    protected void alone(ZSet<List<String>> out, Side side, List<String> row, long weight, boolean matched) {
        // an inner join outputs pairs only
    }
}
