package dev.trickle.streams.plan;

import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.operators.window.Frame;
import dev.trickle.streams.operators.window.WindowFunction;
import dev.trickle.streams.operators.window.WindowOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Window;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexWindowBound;
import org.apache.calcite.rex.RexWindowExclusion;

/**
 * A Calcite {@link Window}: window functions over windows (PARTITION BY, ORDER BY, frame). Each of its groups
 * (the calls over one window) is one {@link WindowOperator}, chained in order, each appending its calls'
 * values to the rows: the output columns are the input's, then every group's calls, as Calcite numbers them.
 */
final class WindowTranslator {
    private WindowTranslator() {
    }

    static RelTranslator.Translation translate(Window rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        RelTranslator.Translation input = inputs.get(0);
        List<String> names = rel.getInput().getRowType().getFieldNames();
        AggregateTranslator.Context context = new AggregateTranslator.Context(input, new int[0], databaseCollation, names);
        WindowCalls calls = new WindowCalls(input, rel.constants, context);
        PipelineNode node = input.node();
        List<PgType> types = new ArrayList<>(input.types());
        List<DerivedCollation> collations = new ArrayList<>(input.collations());
        for (Window.Group group : rel.groups) {
            int[] partition = group.keys.toArray();
            List<PgType> partitionTypes = new ArrayList<>();
            for (int c : partition) {
                // equal keys must be equal text: PostgreSQL partitions under the column's collation
                context.requireDeterministic(context.collation(c), "PARTITION BY " + context.name(c));
                partitionTypes.add(input.types().get(c));
            }
            List<SortKey> order = SortKeys.of(group.orderKeys, input, names, databaseCollation, "window ORDER BY");
            Frame frame = frame(group, order, rel.constants, input.types().size());
            List<WindowFunction> functions = new ArrayList<>();
            List<AggregateCall> aggregates = group.getAggregateCalls(rel);
            for (int i = 0; i < group.aggCalls.size(); i++) {
                WindowCalls.Translated t = calls.translate(group.aggCalls.get(i), aggregates.get(i), frame);
                functions.add(t.function());
                types.add(t.type());
                collations.add(t.collation());
            }
            String description = describe(group, partition, order, frame, names);
            node = new PipelineNode.Op(new WindowOperator(partition, partitionTypes, order, functions, description), List.of(node));
        }
        return new RelTranslator.Translation(node, types, collations);
    }

    /** The group's frame; PostgreSQL's default (RANGE UNBOUNDED PRECEDING to CURRENT ROW with ORDER BY) comes from Calcite. */
    private static Frame frame(Window.Group group, List<SortKey> order, List<RexLiteral> constants, int columns)
            throws UnsupportedQueryException {
        if (group.exclude != RexWindowExclusion.EXCLUDE_NO_OTHER) {
            throw new UnsupportedQueryException("window frame " + group.exclude, "only frames without EXCLUDE are maintained");
        }
        Frame.Bound start = bound(group.lowerBound, group.isRows, constants, columns, "starting");
        Frame.Bound end = bound(group.upperBound, group.isRows, constants, columns, "ending");
        boolean rangeOffset = !group.isRows && (start.offset() != null || end.offset() != null);
        SortKey rangeKey = null;
        if (rangeOffset) {
            if (order.size() != 1) {
                throw new UnsupportedQueryException("RANGE with offset PRECEDING/FOLLOWING",
                        "PostgreSQL requires exactly one ORDER BY column");
            }
            rangeKey = order.get(0);
            PgType t = rangeKey.type();
            if (!t.isInteger() && t.kind() != PgType.Kind.NUMERIC) {
                throw new UnsupportedQueryException("RANGE with offset PRECEDING/FOLLOWING on type " + t.sqlName(),
                        "the engine computes RANGE offsets on integers and numeric only; a ROWS frame is maintained");
            }
        }
        return new Frame(group.isRows, start, end, rangeKey);
    }

    private static Frame.Bound bound(RexWindowBound b, boolean rows, List<RexLiteral> constants, int columns, String which)
            throws UnsupportedQueryException {
        if (b.isUnboundedPreceding()) {
            return Frame.Bound.of(Frame.BoundKind.UNBOUNDED_PRECEDING);
        }
        if (b.isUnboundedFollowing()) {
            return Frame.Bound.of(Frame.BoundKind.UNBOUNDED_FOLLOWING);
        }
        if (b.isCurrentRow()) {
            return Frame.Bound.of(Frame.BoundKind.CURRENT_ROW);
        }
        BigDecimal offset = offset(b.getOffset(), constants, columns);
        if (offset == null) {
            throw new UnsupportedQueryException("window frame " + which + " offset " + b.getOffset(),
                    "PostgreSQL requires a constant offset that is not NULL");
        }
        if (offset.signum() < 0) {
            throw new UnsupportedQueryException("window frame " + which + " offset " + offset.toPlainString(),
                    "PostgreSQL requires an offset that is not negative");
        }
        if (rows && (offset.scale() > 0 && offset.stripTrailingZeros().scale() > 0)) {
            throw new UnsupportedQueryException("ROWS frame " + which + " offset " + offset.toPlainString(), "a ROWS offset counts rows");
        }
        String text = rows ? offset.setScale(0).toPlainString() : offset.toPlainString();
        return new Frame.Bound(b.isPreceding() ? Frame.BoundKind.PRECEDING : Frame.BoundKind.FOLLOWING, text);
    }

    private static BigDecimal offset(RexNode node, List<RexLiteral> constants, int columns) {
        RexLiteral literal = node instanceof RexLiteral l ? l
                : node instanceof RexInputRef ref && ref.getIndex() >= columns && ref.getIndex() - columns < constants.size()
                ? constants.get(ref.getIndex() - columns) : null;
        return literal == null ? null : literal.getValueAs(BigDecimal.class);
    }

    private static String describe(Window.Group group, int[] partition, List<SortKey> order, Frame frame, List<String> names) {
        List<String> keys = new ArrayList<>();
        for (int c : partition) {
            keys.add(c < names.size() ? names.get(c) : "$" + c);
        }
        return (partition.length == 0 ? "" : "PARTITION BY " + String.join(", ", keys) + " ")
                + (order.isEmpty() ? "" : "ORDER BY " + SortKeys.describe(order, names) + " ") + frame + ": " + group.aggCalls;
    }
}
