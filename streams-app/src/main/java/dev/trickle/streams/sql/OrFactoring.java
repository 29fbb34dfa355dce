package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.RelHomogeneousShuttle;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;

/**
 * Pulls the conjuncts that every branch of an OR has in common out of it, in WHERE and ON conditions:
 * {@code (a AND b) OR (a AND c)} becomes {@code a AND (b OR c)}, which is the same under three-valued logic
 * (PostgreSQL's planner does the same). TPC-H Q19 writes its join key {@code p_partkey = l_partkey} in each
 * branch: pulled out, it becomes the join's key instead of a condition on every pair of rows.
 * Only ORs that are conjuncts of the condition are factored; other conditions stay as they are.
 */
final class OrFactoring extends RelHomogeneousShuttle {
    static RelNode apply(RelNode rel) {
        return rel.accept(new OrFactoring());
    }

    @Override
    public RelNode visit(RelNode other) {
        RelNode rel = super.visit(other);
        if (rel instanceof Filter filter) {
            RexNode factored = factored(filter.getCluster().getRexBuilder(), filter.getCondition());
            return factored == null ? rel : filter.copy(filter.getTraitSet(), filter.getInput(), factored);
        }
        if (rel instanceof Join join) {
            RexNode factored = factored(join.getCluster().getRexBuilder(), join.getCondition());
            return factored == null ? rel : join.copy(join.getTraitSet(), factored, join.getLeft(), join.getRight(),
                    join.getJoinType(), join.isSemiJoinDone());
        }
        return rel;
    }

    /** The condition with its ORs' common conjuncts pulled out, or null when no OR has any. */
    private static RexNode factored(RexBuilder rex, RexNode condition) {
        List<RexNode> conjuncts = new ArrayList<>();
        boolean changed = false;
        for (RexNode conjunct : RelOptUtil.conjunctions(condition)) {
            List<RexNode> factored = conjunct.getKind() == SqlKind.OR ? factors(rex, conjunct) : null;
            changed |= factored != null;
            conjuncts.addAll(factored == null ? List.of(conjunct) : factored);
        }
        return changed ? RexUtil.composeConjunction(rex, conjuncts) : null;
    }

    /** The common conjuncts of the OR's branches, then the OR of what is left of each; null when none is common. */
    private static List<RexNode> factors(RexBuilder rex, RexNode or) {
        List<RexNode> branches = RelOptUtil.disjunctions(or);
        if (branches.size() < 2) {
            // FALSE branches are dropped: (false OR false) has none, (false OR x) is x
            return null;
        }
        Set<RexNode> common = new LinkedHashSet<>(RelOptUtil.conjunctions(branches.get(0)));
        for (RexNode branch : branches.subList(1, branches.size())) {
            common.retainAll(RelOptUtil.conjunctions(branch));
        }
        if (common.isEmpty()) {
            return null;
        }
        List<RexNode> rest = new ArrayList<>();
        for (RexNode branch : branches) {
            List<RexNode> remaining = new ArrayList<>(RelOptUtil.conjunctions(branch));
            remaining.removeAll(common);
            if (remaining.isEmpty()) {
                // this branch is just the common part: the OR is true whenever the common part is
                return new ArrayList<>(common);
            }
            rest.add(RexUtil.composeConjunction(rex, remaining));
        }
        List<RexNode> out = new ArrayList<>(common);
        out.add(RexUtil.composeDisjunction(rex, rest));
        return out;
    }
}
