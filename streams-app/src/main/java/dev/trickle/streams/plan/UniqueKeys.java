package dev.trickle.streams.plan;

import dev.trickle.streams.sql.SourceRelTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Intersect;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Minus;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.SetOp;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.Union;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.core.Window;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;

/**
 * The unique keys of a plan's result under PostgreSQL's semantics: sets of output columns that no two rows of
 * the result share, where two NULLs count as equal (NULLS NOT DISTINCT, as GROUP BY and DISTINCT group them).
 * An empty set means the result has at most one row (an aggregate without GROUP BY).
 *
 * <p>Written out rather than taken from Calcite's {@code RelMetadataQuery.getUniqueKeys}, whose rules are
 * Calcite's (e.g. NULLs in a key, casts it takes for injective) and not checked against PostgreSQL's. Each rule
 * below holds for PostgreSQL; whatever is not covered has no key, and the sink then matches whole rows.
 */
public final class UniqueKeys {
    private UniqueKeys() {
    }

    /** The key the stream table is applied by: the one with the fewest columns (then the leftmost), if any. */
    public static Optional<List<Integer>> of(RelNode rel) {
        return keys(rel).stream()
                .min(Comparator.<Set<Integer>>comparingInt(Set::size).thenComparing(UniqueKeys::lexicographic))
                .map(List::copyOf);
    }

    private static int lexicographic(Set<Integer> a, Set<Integer> b) {
        List<Integer> x = List.copyOf(a);
        List<Integer> y = List.copyOf(b);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = Integer.compare(x.get(i), y.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.size(), y.size());
    }

    /** Every key found (each a sorted set of output positions). */
    static Set<Set<Integer>> keys(RelNode rel) {
        if (rel instanceof TableScan scan) {
            SourceRelTable table = scan.getTable().unwrap(SourceRelTable.class);
            Set<Set<Integer>> out = new LinkedHashSet<>();
            if (table != null) {
                table.source().uniqueKeys().forEach(k -> out.add(new TreeSet<>(k)));
            }
            return out;
        }
        if (rel instanceof Filter || rel instanceof Sort || rel instanceof Window) {
            // a subset of the input's rows (a window adds columns after the input's)
            return keys(rel.getInput(0));
        }
        if (rel instanceof Project project) {
            return project(project);
        }
        if (rel instanceof Aggregate aggregate) {
            if (aggregate.getGroupType() != Aggregate.Group.SIMPLE) {
                return Set.of(); // ROLLUP, CUBE, GROUPING SETS: one grouping's NULLs look like another's
            }
            // one row per group (DISTINCT is a group of every column); without GROUP BY one row in all
            return Set.of(range(0, aggregate.getGroupCount()));
        }
        if (rel instanceof Join join) {
            return join(join);
        }
        if ((rel instanceof Union || rel instanceof Intersect || rel instanceof Minus) && !((SetOp) rel).all) {
            return Set.of(range(0, rel.getRowType().getFieldCount()));
        }
        if (rel instanceof Values values && values.getTuples().size() <= 1) {
            return Set.of(Set.of());
        }
        return Set.of();
    }

    /** A key of the input whose every column the projection passes on as it is (casts may merge values). */
    private static Set<Set<Integer>> project(Project project) {
        List<RexNode> exprs = project.getProjects();
        Set<Set<Integer>> out = new LinkedHashSet<>();
        for (Set<Integer> key : keys(project.getInput())) {
            Set<Integer> mapped = new TreeSet<>();
            for (int column : key) {
                for (int i = 0; i < exprs.size(); i++) {
                    if (exprs.get(i) instanceof RexInputRef ref && ref.getIndex() == column) {
                        mapped.add(i);
                        break;
                    }
                }
            }
            if (mapped.size() == key.size()) {
                out.add(mapped);
            }
        }
        return out;
    }

    /**
     * A pair of keys, one of each side, is a key of every join: a row of either side is either matched (each
     * pair of rows once) or padded with NULLs (once). One side's key alone holds where each of its rows meets at
     * most one row of the other side (the condition equates a key of the other side) and is never padded on
     * the other side's behalf. SEMI and ANTI joins keep the left input's rows and keys.
     */
    private static Set<Set<Integer>> join(Join join) {
        Set<Set<Integer>> left = keys(join.getLeft());
        if (join.getJoinType() == JoinRelType.SEMI || join.getJoinType() == JoinRelType.ANTI) {
            return left;
        }
        int width = join.getLeft().getRowType().getFieldCount();
        Set<Set<Integer>> right = new LinkedHashSet<>();
        for (Set<Integer> k : keys(join.getRight())) {
            right.add(shifted(k, width));
        }
        Set<Set<Integer>> out = new LinkedHashSet<>();
        for (Set<Integer> l : left) {
            for (Set<Integer> r : right) {
                Set<Integer> both = new TreeSet<>(l);
                both.addAll(r);
                out.add(both);
            }
        }
        Set<Integer> leftEquated = new TreeSet<>();
        Set<Integer> rightEquated = new TreeSet<>();
        equated(join, width, leftEquated, rightEquated);
        JoinRelType type = join.getJoinType();
        if ((type == JoinRelType.INNER || type == JoinRelType.LEFT) && right.stream().anyMatch(rightEquated::containsAll)) {
            out.addAll(left);
        }
        if ((type == JoinRelType.INNER || type == JoinRelType.RIGHT) && left.stream().anyMatch(leftEquated::containsAll)) {
            out.addAll(right);
        }
        return substituted(join, width, out);
    }

    /**
     * Where the condition says {@code l = r} of two columns, a matched row has equal values in both, so either
     * can stand for the other in a key (orders JOIN lines ON lines.order_id = orders.id is keyed by orders.id,
     * lines.line_no as well as by lines' own key). A padded row has NULL on its padded side: there only the
     * preserved side's column may stand in (LEFT: the left one; RIGHT: the right one; FULL: neither).
     */
    private static Set<Set<Integer>> substituted(Join join, int width, Set<Set<Integer>> keys) {
        JoinRelType type = join.getJoinType();
        boolean leftMayStand = type == JoinRelType.INNER || type == JoinRelType.LEFT;
        boolean rightMayStand = type == JoinRelType.INNER || type == JoinRelType.RIGHT;
        Set<Set<Integer>> out = new LinkedHashSet<>(keys);
        for (RexNode conjunct : RelOptUtil.conjunctions(join.getCondition())) {
            if (conjunct.getKind() != SqlKind.EQUALS
                    || !(((RexCall) conjunct).getOperands().get(0) instanceof RexInputRef a)
                    || !(((RexCall) conjunct).getOperands().get(1) instanceof RexInputRef b)
                    || (a.getIndex() < width) == (b.getIndex() < width)) {
                continue;
            }
            int l = Math.min(a.getIndex(), b.getIndex());
            int r = Math.max(a.getIndex(), b.getIndex());
            for (Set<Integer> key : List.copyOf(out)) {
                if (leftMayStand && key.contains(r)) {
                    out.add(replaced(key, r, l));
                }
                if (rightMayStand && key.contains(l)) {
                    out.add(replaced(key, l, r));
                }
            }
        }
        return out;
    }

    private static Set<Integer> replaced(Set<Integer> key, int from, int to) {
        Set<Integer> out = new TreeSet<>(key);
        out.remove(from);
        out.add(to);
        return out;
    }

    /**
     * The columns of each side that a conjunct of the condition equates with something of the other side
     * ({@code =} or IS NOT DISTINCT FROM): a plain column on this side, anything on the other.
     */
    private static void equated(Join join, int width, Set<Integer> leftCols, Set<Integer> rightCols) {
        for (RexNode conjunct : RelOptUtil.conjunctions(join.getCondition())) {
            if (!(conjunct instanceof RexCall call)
                    || (call.getKind() != SqlKind.EQUALS && call.getKind() != SqlKind.IS_NOT_DISTINCT_FROM)) {
                continue;
            }
            RexNode a = call.getOperands().get(0);
            RexNode b = call.getOperands().get(1);
            side(a, b, width, leftCols, rightCols);
            side(b, a, width, leftCols, rightCols);
        }
    }

    private static void side(RexNode column, RexNode other, int width, Set<Integer> leftCols, Set<Integer> rightCols) {
        if (!(column instanceof RexInputRef ref)) {
            return;
        }
        Set<Integer> otherRefs = RelOptUtil.InputFinder.bits(other).asSet();
        if (ref.getIndex() < width && otherRefs.stream().allMatch(i -> i >= width)) {
            leftCols.add(ref.getIndex());
        } else if (ref.getIndex() >= width && otherRefs.stream().allMatch(i -> i < width)) {
            rightCols.add(ref.getIndex());
        }
    }

    private static Set<Integer> shifted(Set<Integer> key, int by) {
        Set<Integer> out = new TreeSet<>();
        key.forEach(k -> out.add(k + by));
        return out;
    }

    private static Set<Integer> range(int from, int to) {
        Set<Integer> out = new TreeSet<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }
}
