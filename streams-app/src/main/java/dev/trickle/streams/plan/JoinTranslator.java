package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.join.IndexedJoin;
import dev.trickle.streams.operators.join.InnerJoinOperator;
import dev.trickle.streams.operators.join.JoinCondition;
import dev.trickle.streams.operators.join.OuterJoinOperator;
import dev.trickle.streams.operators.join.SemiJoinOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlValidatorUtil;
import org.apache.calcite.util.ImmutableBitSet;

/**
 * Translates a Calcite {@link Join} (INNER, LEFT, RIGHT, FULL; SEMI and ANTI when the planner produces them)
 * into an incremental join operator. The ON condition is compiled over the joined row (left columns, then
 * right columns) with PostgreSQL's semantics; equalities between an expression of each input become the join
 * key the operator indexes its inputs by, the rest is evaluated on the pairs of rows with equal keys.
 */
final class JoinTranslator {
    private enum Side { NONE, LEFT, RIGHT, BOTH }

    private JoinTranslator() {
    }

    static RelTranslator.Translation translate(Join rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        RelTranslator.Translation left = inputs.get(0);
        RelTranslator.Translation right = inputs.get(1);
        List<PgType> types = concat(left.types(), right.types());
        List<DerivedCollation> collations = concat(left.collations(), right.collations());
        // messages name the right input's columns as the join's row type does (s, s0), not twice "s"
        List<String> names = SqlValidatorUtil.uniquify(concat(rel.getLeft().getRowType().getFieldNames(),
                rel.getRight().getRowType().getFieldNames()), true);
        RexBuilder rexBuilder = rel.getCluster().getRexBuilder();
        RexTranslator rex = new RexTranslator(types, collations, names, databaseCollation, rexBuilder);
        JoinCondition condition = condition(rel.getCondition(), left.types().size(), rex, rexBuilder);
        JoinRelType type = rel.getJoinType();
        if (type == JoinRelType.FULL && !condition.hasEqualityKey() && !RexUtil.isConstant(rel.getCondition())) {
            // PostgreSQL refuses these too ("FULL JOIN is only supported with merge-joinable or hash-joinable
            // join conditions"): it could not compute the stream table
            throw new UnsupportedQueryException("FULL JOIN without an equality between its two sides",
                    "PostgreSQL runs a FULL JOIN only with a merge- or hash-joinable condition such as a.k = b.k");
        }
        IndexedJoin op = switch (type) {
            case INNER -> new InnerJoinOperator(condition);
            case LEFT, RIGHT, FULL -> new OuterJoinOperator(condition, right.types().size(),
                    type != JoinRelType.RIGHT, type != JoinRelType.LEFT);
            case SEMI -> new SemiJoinOperator(condition, true);
            case ANTI -> new SemiJoinOperator(condition, false);
            default -> throw new UnsupportedQueryException(name(type));
        };
        // an input with a unique key is a set at every tick: its index need not read a row's weight to write it
        Set<Set<Integer>> leftKeys = UniqueKeys.keys(rel.getLeft());
        Set<Set<Integer>> rightKeys = UniqueKeys.keys(rel.getRight());
        op.distinctInputs(!leftKeys.isEmpty(), !rightKeys.isEmpty());
        // and one whose join key covers a unique key has one row per join key: its partner lookups are point reads
        List<Set<Integer>> keyColumns = keyColumns(rel.getCondition(), left.types().size());
        op.keyedInputs(condition.keyParts() > 0 && covers(keyColumns.get(0), leftKeys),
                condition.keyParts() > 0 && covers(keyColumns.get(1), rightKeys));
        PipelineNode node = new PipelineNode.Op(op, List.of(left.node(), right.node()));
        if (type == JoinRelType.SEMI || type == JoinRelType.ANTI) {
            // only the left input's columns come out
            return new RelTranslator.Translation(node, left.types(), left.collations());
        }
        return new RelTranslator.Translation(node, types, collations);
    }

    /**
     * The columns of each input that key equalities ({@code l = r} or IS NOT DISTINCT FROM, between the two inputs)
     * compare as they are: a plain column, or one widened from one integer type to another. A key part over any
     * other expression adds none (a function of a unique column need not be unique).
     */
    private static List<Set<Integer>> keyColumns(RexNode on, int leftWidth) {
        Set<Integer> left = new HashSet<>();
        Set<Integer> right = new HashSet<>();
        for (RexNode conjunct : RelOptUtil.conjunctions(on)) {
            if (!(conjunct instanceof RexCall call) || (call.getKind() != SqlKind.EQUALS
                    && call.getKind() != SqlKind.IS_NOT_DISTINCT_FROM)) {
                continue;
            }
            Integer a = column(call.getOperands().get(0));
            Integer b = column(call.getOperands().get(1));
            if (a != null && b != null && a < leftWidth && b >= leftWidth) {
                left.add(a);
                right.add(b - leftWidth);
            } else if (a != null && b != null && b < leftWidth && a >= leftWidth) {
                left.add(b);
                right.add(a - leftWidth);
            }
        }
        return List.of(left, right);
    }

    private static Integer column(RexNode node) {
        if (node instanceof RexInputRef ref) {
            return ref.getIndex();
        }
        if (node.getKind() == SqlKind.CAST && node instanceof RexCall cast
                && cast.getOperands().get(0) instanceof RexInputRef ref
                && SqlTypeName.INT_TYPES.contains(ref.getType().getSqlTypeName())
                && SqlTypeName.INT_TYPES.contains(cast.getType().getSqlTypeName())) {
            return ref.getIndex();
        }
        return null;
    }

    /** Whether {@code columns} include every column of one of the unique keys. */
    private static boolean covers(Set<Integer> columns, Set<Set<Integer>> uniqueKeys) {
        return uniqueKeys.stream().anyMatch(k -> !k.isEmpty() && columns.containsAll(k));
    }

    /** Splits the ON condition into key equalities (one expression per input) and the residual conjuncts. */
    private static JoinCondition condition(RexNode on, int leftWidth, RexTranslator rex, RexBuilder rexBuilder)
            throws UnsupportedQueryException {
        List<JoinCondition.KeyPart> keys = new ArrayList<>();
        List<RexNode> rest = new ArrayList<>();
        for (RexNode conjunct : RelOptUtil.conjunctions(on)) {
            JoinCondition.KeyPart key = keyPart(conjunct, leftWidth, rex, rexBuilder);
            if (key != null) {
                keys.add(key);
            } else {
                rest.add(conjunct);
            }
        }
        return new JoinCondition(leftWidth, keys, residual(rest, rex), rest.toString());
    }

    /**
     * {@code l = r} or {@code l IS NOT DISTINCT FROM r} with l over the left input and r over the right one
     * (either way round) as a key part, both sides converted to their comparison type; null for any other
     * conjunct.
     */
    private static JoinCondition.KeyPart keyPart(RexNode conjunct, int leftWidth, RexTranslator rex,
                                                 RexBuilder rexBuilder) throws UnsupportedQueryException {
        if (!(conjunct instanceof RexCall call)) {
            return null;
        }
        if (call.getKind() == SqlKind.OR) {
            // Calcite expands IS NOT DISTINCT FROM into (x IS NULL AND y IS NULL) OR (x = y) IS TRUE
            call = RelOptUtil.collapseExpandedIsNotDistinctFromExpr(call, rexBuilder);
        }
        boolean nullSafe = call.getKind() == SqlKind.IS_NOT_DISTINCT_FROM;
        if (!nullSafe && call.getKind() != SqlKind.EQUALS) {
            return null;
        }
        Side first = side(call.getOperands().get(0), leftWidth);
        Side second = side(call.getOperands().get(1), leftWidth);
        boolean leftFirst = first == Side.LEFT && second == Side.RIGHT;
        if (!leftFirst && !(first == Side.RIGHT && second == Side.LEFT)) {
            return null;
        }
        // the same conversions and collation rules as the comparison in a WHERE clause
        List<TypedExpr> both = ComparisonCalls.comparable(call, rex.uncoerced(call, 0), rex.uncoerced(call, 1));
        ComparisonCalls.checkCollation(call, rex, both.get(0).type(), false);
        Expr l = both.get(leftFirst ? 0 : 1).expr();
        Expr r = both.get(leftFirst ? 1 : 0).expr();
        return new JoinCondition.KeyPart(l, r, nullSafe, call.toString());
    }

    private static Side side(RexNode node, int leftWidth) {
        ImmutableBitSet columns = RelOptUtil.InputFinder.bits(node);
        if (columns.isEmpty()) {
            return Side.NONE;
        }
        if (columns.nth(columns.cardinality() - 1) < leftWidth) {
            return Side.LEFT;
        }
        return columns.nth(0) >= leftWidth ? Side.RIGHT : Side.BOTH;
    }

    /** The non-key conjuncts as one predicate: true when every one is TRUE (FALSE or NULL rejects the pair). */
    private static Expr residual(List<RexNode> conjuncts, RexTranslator rex) throws UnsupportedQueryException {
        if (conjuncts.isEmpty()) {
            return null;
        }
        List<Expr> tests = new ArrayList<>();
        for (RexNode c : conjuncts) {
            TypedExpr t = rex.translate(c);
            if (t.origin() == TypedExpr.Origin.UNKNOWN_LITERAL || t.origin() == TypedExpr.Origin.NULL_LITERAL) {
                t = t.castTo(PgType.BOOL);
            }
            if (t.type().kind() != PgType.Kind.BOOL) {
                throw new UnsupportedQueryException("JOIN condition of type " + t.type().sqlName(),
                        "PostgreSQL requires a boolean condition");
            }
            tests.add(t.expr());
        }
        Expr[] all = tests.toArray(new Expr[0]);
        return row -> {
            for (Expr e : all) {
                if (!Boolean.TRUE.equals(e.eval(row))) {
                    return false;
                }
            }
            return true;
        };
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    /** For messages: "LEFT JOIN" and the like. */
    static String name(JoinRelType type) {
        return type.name().toUpperCase(Locale.ROOT).replace('_', ' ') + " JOIN";
    }
}
