package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexOver;
import org.apache.calcite.rex.RexSubQuery;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;

/**
 * Compiles Calcite row expressions over one input (whose columns have known PostgreSQL types) into
 * engine expressions. Each call is handed to the family that implements it (logic, comparison,
 * arithmetic, math functions, strings, conditionals, casts); anything else is unsupported.
 */
public final class RexTranslator {
    private static final Map<SqlKind, CallTranslator> BY_KIND = new EnumMap<>(SqlKind.class);
    private static final Map<String, CallTranslator> BY_NAME = new HashMap<>();

    static {
        Registry r = new Registry();
        LogicCalls.register(r);
        ComparisonCalls.register(r);
        ArithmeticCalls.register(r);
        MathCalls.register(r);
        StringCalls.register(r);
        ConditionalCalls.register(r);
        CastCalls.register(r);
        DateTimeCalls.register(r);
        TimestamptzCalls.register(r);
        JsonbCalls.register(r);
        Collations.register(r);
    }

    private final List<PgType> inputTypes;
    private final RexBuilder rexBuilder;
    private final Collations collations;

    /** Expressions over an input whose text has the default collation of a "C" database. */
    public RexTranslator(List<PgType> inputTypes, RexBuilder rexBuilder) {
        this(inputTypes, inputTypes.stream().map(t -> t.isString() ? DerivedCollation.DEFAULT : DerivedCollation.NONE).toList(),
                List.of(), "C", rexBuilder);
    }

    /**
     * @param inputCollations   each input column's collation
     * @param inputNames        the input's column names (for messages)
     * @param databaseCollation the database's LC_COLLATE, the default collation's order
     */
    public RexTranslator(List<PgType> inputTypes, List<DerivedCollation> inputCollations, List<String> inputNames,
                         String databaseCollation, RexBuilder rexBuilder) {
        this.inputTypes = List.copyOf(inputTypes);
        this.rexBuilder = rexBuilder;
        this.collations = new Collations(inputCollations, inputNames, databaseCollation);
    }

    /** The collations of the input and of the expressions over it. */
    Collations collations() {
        return collations;
    }

    /** Where each family registers the calls it implements: by SqlKind, or by operator name (upper case). */
    static final class Registry {
        void kind(CallTranslator t, SqlKind... kinds) {
            for (SqlKind k : kinds) {
                BY_KIND.put(k, t);
            }
        }

        void name(CallTranslator t, String... names) {
            for (String n : names) {
                BY_NAME.put(n, t);
            }
        }
    }

    public TypedExpr translate(RexNode node) throws UnsupportedQueryException {
        if (node instanceof RexInputRef ref) {
            return column(ref.getIndex());
        }
        if (node instanceof RexLiteral literal) {
            return Literals.translate(literal);
        }
        if (node instanceof RexSubQuery) {
            throw new UnsupportedQueryException("subquery");
        }
        if (node instanceof RexOver) {
            throw new UnsupportedQueryException("window function");
        }
        if (node instanceof RexCall call) {
            return call(call);
        }
        throw new UnsupportedQueryException("expression " + node, "only columns of the single source can be referenced");
    }

    public List<TypedExpr> translateAll(List<RexNode> nodes) throws UnsupportedQueryException {
        List<TypedExpr> out = new ArrayList<>(nodes.size());
        for (RexNode n : nodes) {
            out.add(translate(n));
        }
        return out;
    }

    /** The i-th operand of {@code call}, compiled. */
    TypedExpr operand(RexCall call, int i) throws UnsupportedQueryException {
        return translate(call.getOperands().get(i));
    }

    /**
     * The i-th operand without the casts Calcite's type coercion put around it, for operators that apply
     * PostgreSQL's own operand resolution (comparisons, arithmetic, CASE/COALESCE/GREATEST): Calcite may
     * have converted the column where PostgreSQL converts the literal.
     */
    TypedExpr uncoerced(RexCall call, int i) throws UnsupportedQueryException {
        RexNode n = call.getOperands().get(i);
        while (n.getKind() == SqlKind.CAST && n instanceof RexCall cast) {
            n = cast.getOperands().get(0);
        }
        return translate(n);
    }

    List<TypedExpr> uncoercedAll(RexCall call) throws UnsupportedQueryException {
        List<TypedExpr> out = new ArrayList<>();
        for (int i = 0; i < call.getOperands().size(); i++) {
            out.add(uncoerced(call, i));
        }
        return out;
    }

    private TypedExpr column(int index) {
        PgType type = inputTypes.get(index);
        return new TypedExpr(row -> PgValues.column(row, index, type), type, TypedExpr.Origin.COLUMN);
    }

    private TypedExpr call(RexCall call) throws UnsupportedQueryException {
        if (call.getKind() == SqlKind.SEARCH) {
            // IN lists and BETWEEN may arrive as SEARCH(x, Sarg[...]): back to comparisons
            return translate(RexUtil.expandSearch(rexBuilder, null, call));
        }
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (!call.getOperator().isDeterministic() || call.getOperator().isDynamicFunction()) {
            throw new UnsupportedQueryException(name.toLowerCase(Locale.ROOT) + "()",
                    "its value changes between evaluations");
        }
        CallTranslator t = BY_NAME.get(name);
        if (t == null) {
            t = BY_KIND.get(call.getKind());
        }
        if (t == null) {
            throw new UnsupportedQueryException(describe(call));
        }
        return t.translate(call, this);
    }

    static String describe(RexCall call) {
        // date_trunc reaches the planner under the name the front end gave it (see InfixRewrites)
        String name = call.getOperator().getName().equals("PG_DATE_TRUNC") ? "DATE_TRUNC" : call.getOperator().getName();
        return name.chars().allMatch(Character::isLetterOrDigit) || name.contains("_")
                ? "function " + name.toLowerCase(Locale.ROOT) + "()" : "operator " + name;
    }

    /** An operand's required type was not met: PostgreSQL would reject the call; so does the engine. */
    static UnsupportedQueryException typeMismatch(RexCall call, TypedExpr... args) {
        StringBuilder types = new StringBuilder();
        for (TypedExpr a : args) {
            types.append(types.length() == 0 ? "" : ", ").append(a.type().sqlName());
        }
        return new UnsupportedQueryException(describe(call) + " on " + types,
                "PostgreSQL has no such operator or function, or the engine does not implement it");
    }
}
