package dev.trickle.streams.plan;

import dev.trickle.streams.operators.aggregate.AggregateOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.util.ImmutableBitSet;

/**
 * A Calcite {@link Aggregate} (GROUP BY, grouping sets, aggregates without GROUP BY, SELECT DISTINCT) as one
 * incremental {@link AggregateOperator}. Its output columns are the group columns, typed and collated as
 * their input, then one per aggregate call with PostgreSQL's result type ({@link AggregateCalls}).
 */
final class AggregateTranslator {
    private AggregateTranslator() {
    }

    static RelTranslator.Translation translate(Aggregate rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        RelTranslator.Translation input = inputs.get(0);
        int[] groupColumns = rel.getGroupSet().toArray();
        Context context = new Context(input, groupColumns, databaseCollation, rel.getInput().getRowType().getFieldNames());
        List<PgType> types = new ArrayList<>();
        List<DerivedCollation> collations = new ArrayList<>();
        for (int c : groupColumns) {
            // equal keys must be equal text: PostgreSQL groups under the column's collation
            context.requireDeterministic(context.collation(c), "GROUP BY / DISTINCT on " + context.name(c));
            types.add(context.type(c));
            collations.add(context.collation(c));
        }
        List<AggregateOperator.Call> calls = new ArrayList<>();
        List<AggregateOperator.Output> outputs = new ArrayList<>();
        AggregateCalls translator = new AggregateCalls(context);
        for (AggregateCall call : rel.getAggCallList()) {
            AggregateCalls.Translated t = translator.translate(call);
            if (t.output() == null) {
                outputs.add(new AggregateOperator.Aggregated(calls.size()));
                calls.add(t.call());
            } else {
                outputs.add(t.output());
            }
            types.add(t.type());
            collations.add(t.collation());
        }
        AggregateOperator op = new AggregateOperator(groupColumns, types.subList(0, groupColumns.length),
                groupingSets(rel, groupColumns), calls, outputs, describe(rel));
        return new RelTranslator.Translation(new PipelineNode.Op(op, List.of(input.node())), types, collations);
    }

    /** Each grouping set as ascending positions into the group columns. */
    private static List<int[]> groupingSets(Aggregate rel, int[] groupColumns) {
        List<int[]> sets = new ArrayList<>();
        for (ImmutableBitSet set : rel.getGroupSets()) {
            int[] positions = new int[set.cardinality()];
            int i = 0;
            for (int p = 0; p < groupColumns.length; p++) {
                if (set.get(groupColumns[p])) {
                    positions[i++] = p;
                }
            }
            sets.add(positions);
        }
        return sets;
    }

    private static String describe(Aggregate rel) {
        String groups = rel.getGroupType() == Aggregate.Group.SIMPLE ? "" : ", sets=" + rel.getGroupSets();
        return "group=" + rel.getGroupSet() + groups + (rel.getAggCallList().isEmpty() ? "" : ", " + rel.getAggCallList());
    }

    /** The aggregate's input as the calls see it: column types, collations, names, and the group columns. */
    static final class Context {
        private final RelTranslator.Translation input;
        private final int[] groupColumns;
        private final String databaseCollation;
        private final List<String> names;

        Context(RelTranslator.Translation input, int[] groupColumns, String databaseCollation, List<String> names) {
            this.input = input;
            this.groupColumns = groupColumns;
            this.databaseCollation = databaseCollation;
            this.names = names;
        }

        PgType type(int column) {
            return input.types().get(column);
        }

        DerivedCollation collation(int column) {
            return input.collations().get(column);
        }

        String name(int column) {
            return column < names.size() ? names.get(column) : "$" + column;
        }

        /** The column's position among the group columns, or -1. */
        int groupPosition(int column) {
            for (int p = 0; p < groupColumns.length; p++) {
                if (groupColumns[p] == column) {
                    return p;
                }
            }
            return -1;
        }

        /** Equality of text: a nondeterministic collation, or one PostgreSQL could not choose, is refused. */
        void requireDeterministic(DerivedCollation c, String what) throws UnsupportedQueryException {
            if (c.strength() == DerivedCollation.Strength.CONFLICT) {
                throw new UnsupportedQueryException(what + " under collations \"" + c.name() + "\" and \"" + c.other() + "\"",
                        "PostgreSQL may not be able to choose between them; write COLLATE \"C\"");
            }
            if (!c.deterministic()) {
                throw new UnsupportedQueryException(what + " under nondeterministic collation \"" + c.name() + "\"",
                        "the engine compares text code point by code point");
            }
        }

        /** Ordering of text (min, max, ORDER BY in a call): only under a collation that orders by code point. */
        void requireCodePointOrder(DerivedCollation c, String what) throws UnsupportedQueryException {
            requireDeterministic(c, what);
            String effective = c.name() == null ? databaseCollation : c.name();
            if (!Collations.ordersByCodePoint(effective)) {
                throw new UnsupportedQueryException(what + " on text under collation \"" + effective + "\"",
                        "the engine orders text by code point, as collation \"C\" does; use COLLATE \"C\"");
            }
        }
    }
}
