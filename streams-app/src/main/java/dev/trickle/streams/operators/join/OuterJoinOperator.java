package dev.trickle.streams.operators.join;

import dev.trickle.streams.rows.ZSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * LEFT, RIGHT and FULL OUTER JOIN: the matching pairs, plus each row of a preserved side that matches no
 * row of the other side, padded with NULLs for the other side's columns.
 */
public final class OuterJoinOperator extends IndexedJoin {
    private final boolean preserveLeft;
    private final boolean preserveRight;
    private final int leftWidth;
    private final int rightWidth;

    public OuterJoinOperator(JoinCondition condition, int rightWidth, boolean preserveLeft, boolean preserveRight) {
        super(condition, preserveLeft && preserveRight ? "FullJoin" : preserveLeft ? "LeftJoin" : "RightJoin");
        this.preserveLeft = preserveLeft;
        this.preserveRight = preserveRight;
        this.leftWidth = condition.leftWidth();
        this.rightWidth = rightWidth;
    }

    @Override
    protected void pair(ZSet<List<String>> out, List<String> left, List<String> right, long weight) {
        out.add(JoinRows.joined(left, right), weight);
    }

    @Override
    protected boolean contributesAlone(Side side) {
        return side == Side.LEFT ? preserveLeft : preserveRight;
    }

    @Override
    protected void alone(ZSet<List<String>> out, Side side, List<String> row, long weight, boolean matched) {
        if (matched) {
            return;
        }
        List<String> padded = new ArrayList<>(leftWidth + rightWidth);
        if (side == Side.RIGHT) {
            padded.addAll(Collections.nCopies(leftWidth, null));
        }
        padded.addAll(row);
        if (side == Side.LEFT) {
            padded.addAll(Collections.nCopies(rightWidth, null));
        }
        out.add(padded, weight);
    }
}
