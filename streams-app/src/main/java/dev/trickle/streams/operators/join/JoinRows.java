package dev.trickle.streams.operators.join;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Rows of a join's output and the views its expressions are evaluated on. */
final class JoinRows {
    private JoinRows() {
    }

    /** A left and a right row as one joined row, without copying (for evaluating the ON condition). */
    static List<String> view(List<String> left, List<String> right) {
        return new AbstractList<>() {
            @Override
            public String get(int index) {
                return index < left.size() ? left.get(index) : right.get(index - left.size());
            }

            @Override
            public int size() {
                return left.size() + right.size();
            }
        };
    }

    /**
     * A right row placed after {@code leftWidth} absent columns: expressions over the joined row that only
     * read right columns can be evaluated on it.
     */
    static List<String> afterLeft(int leftWidth, List<String> right) {
        return view(Collections.nCopies(leftWidth, null), right);
    }

    /** The joined output row, as its own list (a Z-set element must not be a view of other rows). */
    static List<String> joined(List<String> left, List<String> right) {
        List<String> out = new ArrayList<>(left.size() + right.size());
        out.addAll(left);
        out.addAll(right);
        return out;
    }
}
