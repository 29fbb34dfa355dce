package dev.trickle.streams.operators.join;

import dev.trickle.streams.rows.Row;
import java.util.AbstractList;
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
        String[] out = new String[left.size() + right.size()];
        for (int i = 0; i < left.size(); i++) {
            out[i] = left.get(i);
        }
        for (int i = 0; i < right.size(); i++) {
            out[left.size() + i] = right.get(i);
        }
        return Row.wrap(out);
    }
}
