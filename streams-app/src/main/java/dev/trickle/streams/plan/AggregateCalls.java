package dev.trickle.streams.plan;

import dev.trickle.streams.operators.aggregate.AggregateFunction;
import dev.trickle.streams.operators.aggregate.AggregateOperator;
import dev.trickle.streams.operators.aggregate.BoolFunction;
import dev.trickle.streams.operators.aggregate.CountFunction;
import dev.trickle.streams.operators.aggregate.ElementOrder;
import dev.trickle.streams.operators.aggregate.ListFunction;
import dev.trickle.streams.operators.aggregate.MinMaxFunction;
import dev.trickle.streams.operators.aggregate.SingleValueFunction;
import dev.trickle.streams.operators.aggregate.SumAvgFunction;
import dev.trickle.streams.operators.aggregate.ValueEquality;
import dev.trickle.streams.operators.aggregate.ValueOrder;
import dev.trickle.streams.operators.aggregate.VarianceFunction;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rex.RexLiteral;

/**
 * One aggregate call of a Calcite Aggregate: the PostgreSQL function it is, its result type (PostgreSQL's,
 * not Calcite's: sum(integer) is bigint, avg(integer) numeric, ...), its result's collation, and the
 * elements the operator feeds it (arguments, then ORDER BY keys). Aggregates the engine does not maintain
 * are refused by name.
 */
final class AggregateCalls {
    /** A translated call: the operator's output column for it, the call itself (if any), type and collation. */
    record Translated(AggregateOperator.Output output, AggregateOperator.Call call, PgType type, DerivedCollation collation) {
    }

    private final AggregateTranslator.Context context;

    AggregateCalls(AggregateTranslator.Context context) {
        this.context = context;
    }

    /** A call whose output is null is an aggregate function: the translator numbers it among the operator's calls. */
    Translated translate(AggregateCall call) throws UnsupportedQueryException {
        String name = call.getAggregation().getName().toUpperCase(Locale.ROOT);
        List<Integer> args = call.getArgList();
        PgType arg = args.isEmpty() ? null : context.type(args.get(0));
        DerivedCollation argCollation = args.isEmpty() ? DerivedCollation.NONE : context.collation(args.get(0));
        return switch (name) {
            case "COUNT" -> calculated(call, new CountFunction(args.isEmpty()), PgType.INT8);
            case "SUM", "AVG" -> {
                PgType result = SumAvgFunction.resultType(arg, name.equals("AVG"));
                yield calculated(call, new SumAvgFunction(require(call, result, arg), name.equals("AVG")), result);
            }
            case "STDDEV", "STDDEV_SAMP", "STDDEV_POP", "VARIANCE", "VAR_SAMP", "VAR_POP" -> {
                PgType result = VarianceFunction.resultType(arg);
                require(call, result, arg);
                yield calculated(call, new VarianceFunction(arg, !name.endsWith("_POP"), name.startsWith("STDDEV")),
                        result);
            }
            case "MIN", "MAX" -> minMax(call, arg, argCollation, name.equals("MAX"));
            case "BOOL_AND", "EVERY", "BOOL_OR" -> {
                require(call, arg.kind() == PgType.Kind.BOOL ? PgType.BOOL : null, arg);
                yield calculated(call, new BoolFunction(!name.equals("BOOL_OR")), PgType.BOOL);
            }
            case "LISTAGG", "STRING_AGG" -> stringAgg(call, args, argCollation);
            case "ARRAY_AGG" -> {
                require(call, arg.kind() == PgType.Kind.OTHER && arg.sqlName().endsWith("]") ? null : arg, arg);
                ElementOrder order = order(call, 1);
                PgType result = PgType.other(arg.base().sqlName() + "[]");
                yield new Translated(null, call(call, ListFunction.arrayAgg(order)), result, DerivedCollation.NONE);
            }
            case "ANY_VALUE" -> anyValue(call, arg, argCollation);
            case "GROUPING" -> grouping(call);
            case "LITERAL_AGG" -> literal(call);
            case "SINGLE_VALUE" -> new Translated(null, call(call, new SingleValueFunction()), arg, argCollation);
            default -> throw new UnsupportedQueryException("aggregate function " + name.toLowerCase(Locale.ROOT) + "()");
        };
    }

    private Translated calculated(AggregateCall call, AggregateFunction f, PgType type) throws UnsupportedQueryException {
        return new Translated(null, call(call, f), type, DerivedCollation.NONE);
    }

    private Translated minMax(AggregateCall call, PgType arg, DerivedCollation collation, boolean max)
            throws UnsupportedQueryException {
        require(call, ValueOrder.supports(arg) && arg.kind() != PgType.Kind.BOOL ? arg : null, arg);
        if (arg.isString()) {
            context.requireCodePointOrder(collation, describe(call));
        }
        // min(varchar) resolves to min(text); the others keep their type, without its modifier
        PgType result = arg.kind() == PgType.Kind.VARCHAR ? PgType.TEXT : arg.base();
        return new Translated(null, call(call, new MinMaxFunction(arg, max)), result, collation);
    }

    private Translated stringAgg(AggregateCall call, List<Integer> args, DerivedCollation collation)
            throws UnsupportedQueryException {
        PgType value = context.type(args.get(0));
        PgType delimiter = args.size() > 1 ? context.type(args.get(1)) : null;
        if (args.size() != 2 || !value.isString() || !delimiter.isString()) {
            throw new UnsupportedQueryException(describe(call), "string_agg takes a text value and a text delimiter");
        }
        ElementOrder order = order(call, 2);
        return new Translated(null, call(call, ListFunction.stringAgg(value, delimiter, order)), PgType.TEXT,
                collation.orDefault());
    }

    /**
     * Calcite's ANY_VALUE stands for a select-list column that is a GROUP BY key (it is NULL in grouping sets
     * without it), or that PostgreSQL accepts because it depends on a grouped primary key (one value per group).
     */
    private Translated anyValue(AggregateCall call, PgType arg, DerivedCollation collation)
            throws UnsupportedQueryException {
        int position = context.groupPosition(call.getArgList().get(0));
        if (position >= 0 && call.filterArg < 0) {
            return new Translated(new AggregateOperator.GroupColumn(position), null, arg, collation);
        }
        return new Translated(null, call(call, new MinMaxFunction(null, false)), arg, collation);
    }

    private Translated grouping(AggregateCall call) throws UnsupportedQueryException {
        int[] positions = new int[call.getArgList().size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = context.groupPosition(call.getArgList().get(i));
            if (positions[i] < 0) {
                throw new UnsupportedQueryException(describe(call), "GROUPING arguments must be GROUP BY columns");
            }
        }
        return new Translated(new AggregateOperator.Grouping(positions), null, PgType.INT4, DerivedCollation.NONE);
    }

    /**
     * Calcite's LITERAL_AGG(value), which subquery removal puts in a group to say that it exists: the same
     * value in every group's row.
     */
    private static Translated literal(AggregateCall call) throws UnsupportedQueryException {
        if (call.rexList.size() != 1 || !(call.rexList.get(0) instanceof RexLiteral literal) || call.filterArg >= 0) {
            throw new UnsupportedQueryException(describe(call));
        }
        TypedExpr value = Literals.translate(literal);
        String text;
        try {
            text = PgValues.format(value.expr().eval(List.of()), value.type());
        } catch (EvaluationException e) {
            throw new UnsupportedQueryException(describe(call), e.getMessage());
        }
        return new Translated(new AggregateOperator.Constant(text), null, value.type(), DerivedCollation.NONE);
    }

    /** The call's elements: its arguments, then its ORDER BY keys. */
    private AggregateOperator.Call call(AggregateCall call, AggregateFunction f) throws UnsupportedQueryException {
        List<Integer> columns = new ArrayList<>(call.getArgList());
        for (RelFieldCollation c : call.collation.getFieldCollations()) {
            columns.add(c.getFieldIndex());
        }
        int[] elementColumns = columns.stream().mapToInt(Integer::intValue).toArray();
        List<PgType> types = new ArrayList<>();
        for (int c : elementColumns) {
            types.add(context.type(c));
            if (call.isDistinct()) {
                context.requireDeterministic(context.collation(c), describe(call));
            }
        }
        return new AggregateOperator.Call(f, elementColumns, call.filterArg, call.isDistinct(), new ValueEquality(types));
    }

    /** The ORDER BY inside the call; its keys follow the call's {@code arguments} in each element. */
    private ElementOrder order(AggregateCall call, int arguments) throws UnsupportedQueryException {
        List<ElementOrder.Key> keys = new ArrayList<>();
        List<RelFieldCollation> fields = call.collation.getFieldCollations();
        for (int i = 0; i < fields.size(); i++) {
            RelFieldCollation f = fields.get(i);
            PgType type = context.type(f.getFieldIndex());
            if (!ValueOrder.supports(type)) {
                throw new UnsupportedQueryException("ORDER BY of type " + type.sqlName() + " in " + describe(call));
            }
            if (type.isString()) {
                context.requireCodePointOrder(context.collation(f.getFieldIndex()), describe(call));
            }
            boolean descending = f.getDirection().isDescending();
            // PostgreSQL: NULLS LAST ascending, NULLS FIRST descending, unless written
            boolean nullsFirst = switch (f.nullDirection) {
                case FIRST -> true;
                case LAST -> false;
                default -> descending;
            };
            keys.add(new ElementOrder.Key(arguments + i, type, descending, nullsFirst));
        }
        return new ElementOrder(keys);
    }

    private static PgType require(AggregateCall call, PgType result, PgType arg) throws UnsupportedQueryException {
        if (result == null) {
            throw new UnsupportedQueryException(describe(call) + " on " + (arg == null ? "no argument" : arg.sqlName()),
                    "PostgreSQL has no such aggregate, or the engine does not maintain it");
        }
        return result;
    }

    static String describe(AggregateCall call) {
        return "aggregate function " + call.getAggregation().getName().toLowerCase(Locale.ROOT) + "()";
    }
}
