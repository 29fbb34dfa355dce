package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.PgTypeRules;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.window.Conversion;
import dev.trickle.streams.operators.window.Frame;
import dev.trickle.streams.operators.window.FrameAggregate;
import dev.trickle.streams.operators.window.FrameValueFunction;
import dev.trickle.streams.operators.window.OffsetFunction;
import dev.trickle.streams.operators.window.Operand;
import dev.trickle.streams.operators.window.RankingFunction;
import dev.trickle.streams.operators.window.WindowFunction;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.rel.core.AggregateCall;
import org.apache.calcite.rel.core.Window.RexWinAggCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;

/**
 * One window function call of a Calcite Window: the engine's {@link WindowFunction}, with PostgreSQL's
 * result type (row_number, rank, dense_rank bigint; ntile integer; percent_rank, cume_dist double precision;
 * lag, lead, first_value, last_value, nth_value the value's type; aggregates as in GROUP BY, by
 * {@link AggregateCalls}) and the collation of its result. Other functions are refused by name.
 */
final class WindowCalls {
    /** A translated call. */
    record Translated(WindowFunction function, PgType type, DerivedCollation collation) {
    }

    /** An operand as the function sees it: where its value comes from, its type, and whether it is an untyped literal. */
    private record Arg(Operand operand, PgType type, boolean unknown, DerivedCollation collation) {
    }

    private final RelTranslator.Translation input;
    private final List<RexLiteral> constants;
    private final AggregateTranslator.Context context;

    /** @param constants the Window's constants, which operands reference after the input's columns */
    WindowCalls(RelTranslator.Translation input, List<RexLiteral> constants, AggregateTranslator.Context context) {
        this.input = input;
        this.constants = constants;
        this.context = context;
    }

    Translated translate(RexWinAggCall call, AggregateCall aggregate, Frame frame) throws UnsupportedQueryException {
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (call.distinct) {
            throw new UnsupportedQueryException("DISTINCT in window function " + name.toLowerCase(Locale.ROOT) + "()",
                    "PostgreSQL does not implement it either");
        }
        if (call.ignoreNulls) {
            throw new UnsupportedQueryException("IGNORE NULLS in window function " + name.toLowerCase(Locale.ROOT) + "()");
        }
        return switch (name) {
            case "ROW_NUMBER" -> ranking(RankingFunction.Kind.ROW_NUMBER, null, PgType.INT8);
            case "RANK" -> ranking(RankingFunction.Kind.RANK, null, PgType.INT8);
            case "DENSE_RANK" -> ranking(RankingFunction.Kind.DENSE_RANK, null, PgType.INT8);
            case "PERCENT_RANK" -> ranking(RankingFunction.Kind.PERCENT_RANK, null, PgType.FLOAT8);
            case "CUME_DIST" -> ranking(RankingFunction.Kind.CUME_DIST, null, PgType.FLOAT8);
            case "NTILE" -> ranking(RankingFunction.Kind.NTILE, integer(call, 0).operand(), PgType.INT4);
            case "LAG", "LEAD" -> offset(call, name.equals("LEAD"));
            case "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE" -> frameValue(call, name, frame);
            case "COUNT", "SUM", "$SUM0", "AVG", "MIN", "MAX", "STDDEV", "STDDEV_SAMP", "STDDEV_POP", "VARIANCE", "VAR_SAMP",
                 "VAR_POP", "BOOL_AND", "BOOL_OR", "EVERY" -> aggregate(call, aggregate, frame);
            default -> throw new UnsupportedQueryException("window function " + name.toLowerCase(Locale.ROOT) + "()");
        };
    }

    private static Translated ranking(RankingFunction.Kind kind, Operand buckets, PgType type) {
        return new Translated(new RankingFunction(kind, buckets), type, DerivedCollation.NONE);
    }

    /** lag/lead(value [, offset [, default]]): the value and the default resolve to a common type. */
    private Translated offset(RexWinAggCall call, boolean lead) throws UnsupportedQueryException {
        int value = column(call, 0);
        Operand offset = call.getOperands().size() > 1 ? integer(call, 1).operand() : null;
        Arg fallback = call.getOperands().size() > 2 ? arg(call, 2) : null;
        PgType valueType = input.types().get(value);
        PgType result = valueType;
        if (fallback != null && !fallback.unknown() && !fallback.type().equals(valueType)) {
            result = PgTypeRules.common(List.of(valueType, fallback.type()));
            if (result == null) {
                throw new UnsupportedQueryException(describe(call) + " of " + valueType.sqlName() + " with a default of type "
                        + fallback.type().sqlName(), "PostgreSQL cannot match these types");
            }
        }
        Conversion fallbackConversion = Conversion.NONE;
        Operand fallbackOperand = null;
        if (fallback != null) {
            fallbackOperand = fallback.operand();
            if (fallback.operand().column() < 0) {
                // a constant is converted once, here
                fallbackOperand = Operand.constant(convertConstant(fallback, result, call));
            } else {
                fallbackConversion = conversion(fallback.type(), result);
            }
        }
        DerivedCollation collation = context.collation(value)
                .merge(fallback == null ? DerivedCollation.NONE : fallback.collation());
        return new Translated(new OffsetFunction(value, lead, offset, fallbackOperand, conversion(valueType, result),
                fallbackConversion), result, collation);
    }

    private Translated frameValue(RexWinAggCall call, String name, Frame frame) throws UnsupportedQueryException {
        int value = column(call, 0);
        FrameValueFunction.Kind kind = switch (name) {
            case "FIRST_VALUE" -> FrameValueFunction.Kind.FIRST;
            case "LAST_VALUE" -> FrameValueFunction.Kind.LAST;
            default -> FrameValueFunction.Kind.NTH;
        };
        Operand nth = kind == FrameValueFunction.Kind.NTH ? integer(call, 1).operand() : null;
        return new Translated(new FrameValueFunction(kind, value, nth, frame), input.types().get(value),
                context.collation(value));
    }

    /** An aggregate over the frame, typed and checked as in GROUP BY. */
    private Translated aggregate(RexWinAggCall call, AggregateCall aggregate, Frame frame) throws UnsupportedQueryException {
        for (RexNode operand : call.getOperands()) {
            if (!(operand instanceof RexInputRef ref) || ref.getIndex() >= input.types().size()) {
                throw new UnsupportedQueryException(describe(call) + " of a constant", "aggregate a column over the window");
            }
        }
        AggregateCalls.Translated t = new AggregateCalls(context).translate(aggregate);
        if (t.call() == null || t.output() != null) {
            throw new UnsupportedQueryException(describe(call));
        }
        return new Translated(new FrameAggregate(t.call().function(), t.call().elementColumns(), frame), t.type(), t.collation());
    }

    /** An operand that must be a column of the input. */
    private int column(RexWinAggCall call, int i) throws UnsupportedQueryException {
        Arg a = arg(call, i);
        if (a.operand().column() < 0) {
            throw new UnsupportedQueryException(describe(call) + " of a constant", "the engine takes a column there");
        }
        return a.operand().column();
    }

    /** An operand PostgreSQL takes as integer (lag's offset, ntile's buckets, nth_value's n). */
    private Arg integer(RexWinAggCall call, int i) throws UnsupportedQueryException {
        Arg a = arg(call, i);
        if (a.unknown()) {
            // a NULL or a quoted literal: read as an integer
            return new Arg(Operand.constant(convertConstant(a, PgType.INT4, call)), PgType.INT4, false, DerivedCollation.NONE);
        }
        if (a.type().kind() != PgType.Kind.INT2 && a.type().kind() != PgType.Kind.INT4) {
            throw new UnsupportedQueryException(describe(call) + " with an argument of type " + a.type().sqlName(),
                    "PostgreSQL takes an integer there");
        }
        return a;
    }

    private Arg arg(RexWinAggCall call, int i) throws UnsupportedQueryException {
        RexNode n = call.getOperands().get(i);
        int columns = input.types().size();
        if (n instanceof RexInputRef ref && ref.getIndex() < columns) {
            int c = ref.getIndex();
            return new Arg(Operand.column(c), input.types().get(c), false, context.collation(c));
        }
        // constants are numbered after the input's columns
        RexLiteral literal = n instanceof RexLiteral l ? l
                : n instanceof RexInputRef ref && ref.getIndex() - columns < constants.size()
                ? constants.get(ref.getIndex() - columns) : null;
        if (literal == null) {
            throw new UnsupportedQueryException(describe(call) + " with argument " + n);
        }
        TypedExpr t = Literals.translate(literal);
        String text = constantText(t, call);
        boolean unknown = t.origin() == TypedExpr.Origin.UNKNOWN_LITERAL || t.origin() == TypedExpr.Origin.NULL_LITERAL;
        return new Arg(Operand.constant(text), t.type(), unknown, t.type().isString() ? DerivedCollation.DEFAULT : DerivedCollation.NONE);
    }

    private static String constantText(TypedExpr t, RexWinAggCall call) throws UnsupportedQueryException {
        try {
            return PgValues.format(t.expr().eval(List.of()), t.type());
        } catch (EvaluationException e) {
            throw new UnsupportedQueryException(describe(call), e.getMessage());
        }
    }

    /** A constant argument converted to {@code to} as PostgreSQL coerces it (an untyped literal is read as {@code to}). */
    private static String convertConstant(Arg a, PgType to, RexWinAggCall call) throws UnsupportedQueryException {
        String text = a.operand().constant();
        if (text == null) {
            return null;
        }
        TypedExpr value = new TypedExpr(row -> PgValues.parse(text, a.type()), a.type(),
                a.unknown() ? TypedExpr.Origin.UNKNOWN_LITERAL : TypedExpr.Origin.LITERAL);
        return constantText(value.castTo(to), call);
    }

    /** The value of a column of type {@code from} as a value of type {@code to}. */
    private static Conversion conversion(PgType from, PgType to) throws UnsupportedQueryException {
        if (from.equals(to)) {
            return Conversion.NONE;
        }
        TypedExpr cast = new TypedExpr(row -> PgValues.column(row, 0, from), from, TypedExpr.Origin.COLUMN).castTo(to);
        return text -> PgValues.format(cast.expr().eval(List.of(text)), to);
    }

    static String describe(RexWinAggCall call) {
        return "window function " + call.getOperator().getName().toLowerCase(Locale.ROOT) + "()";
    }
}
