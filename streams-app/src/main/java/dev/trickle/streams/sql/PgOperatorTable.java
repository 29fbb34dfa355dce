package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlFunctionCategory;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlOperatorBinding;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.fun.SqlLibrary;
import org.apache.calcite.sql.fun.SqlLibraryOperatorTableFactory;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlOperandTypeChecker;
import org.apache.calcite.sql.type.SqlReturnTypeInference;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.validate.SqlNameMatcher;
import org.apache.calcite.sql.validate.SqlNameMatchers;

/**
 * Calcite's STANDARD + POSTGRESQL operator table (DESIGN.md: not chained behind SqlStdOperatorTable),
 * plus the PostgreSQL functions Calcite lacks or declares with other signatures (e.g. two-argument
 * {@code rtrim}). Function names are looked up case-insensitively: the parser folds unquoted names to
 * lower case while Calcite's operators are named in upper case. Only validation uses these
 * declarations; the engine evaluates every function with PostgreSQL's semantics.
 */
final class PgOperatorTable implements SqlOperatorTable {
    /** The engine's marker for an explicit (user-written) cast: {@code PG_CAST(value, 'target type')}. */
    static final SqlFunction PG_CAST = new SqlFunction("PG_CAST", SqlKind.OTHER_FUNCTION,
            ReturnTypes.ARG0, null, OperandTypes.ANY_ANY, SqlFunctionCategory.SYSTEM);

    /**
     * {@code x COLLATE name} as {@link InfixRewrites} writes it: {@code pg_collate(x, 'name as written')};
     * the value is x's, the engine derives collations from these calls.
     */
    static final SqlFunction PG_COLLATE = new SqlFunction("PG_COLLATE", SqlKind.OTHER_FUNCTION,
            ReturnTypes.ARG0, null, OperandTypes.ANY_ANY, SqlFunctionCategory.SYSTEM);

    private static final SqlReturnTypeInference TEXT = ReturnTypes.VARCHAR_NULLABLE;
    /** COALESCE and NULLIF with PostgreSQL's operand unification (see {@link PgRewrites}). */
    static final SqlFunction COALESCE = new SqlFunction("COALESCE", SqlKind.OTHER_FUNCTION, PgOperatorTable::commonType,
            null, OperandTypes.ONE_OR_MORE, SqlFunctionCategory.SYSTEM);
    static final SqlFunction NULLIF = new SqlFunction("NULLIF", SqlKind.OTHER_FUNCTION, ReturnTypes.ARG0_FORCE_NULLABLE,
            null, OperandTypes.ANY_ANY, SqlFunctionCategory.SYSTEM);
    // after TEXT: the instance's functions use it
    static final PgOperatorTable INSTANCE = new PgOperatorTable();

    private final SqlOperatorTable library =
            SqlLibraryOperatorTableFactory.INSTANCE.getOperatorTable(SqlLibrary.STANDARD, SqlLibrary.POSTGRESQL);
    private final Map<String, SqlFunction> overrides = Stream.of(
            fn("btrim", TEXT, OperandTypes.or(OperandTypes.STRING, OperandTypes.STRING_STRING)),
            fn("ltrim", TEXT, OperandTypes.or(OperandTypes.STRING, OperandTypes.STRING_STRING)),
            fn("rtrim", TEXT, OperandTypes.or(OperandTypes.STRING, OperandTypes.STRING_STRING)),
            fn("trunc", ReturnTypes.ARG0_NULLABLE, OperandTypes.or(OperandTypes.NUMERIC,
                    OperandTypes.family(SqlTypeFamily.NUMERIC, SqlTypeFamily.INTEGER))),
            fn("strpos", ReturnTypes.INTEGER_NULLABLE, OperandTypes.STRING_STRING),
            fn("length", ReturnTypes.INTEGER_NULLABLE, OperandTypes.STRING),
            fn("left", TEXT, OperandTypes.family(SqlTypeFamily.STRING, SqlTypeFamily.INTEGER)),
            fn("right", TEXT, OperandTypes.family(SqlTypeFamily.STRING, SqlTypeFamily.INTEGER)),
            fn("substr", TEXT, OperandTypes.or(
                    OperandTypes.family(SqlTypeFamily.STRING, SqlTypeFamily.INTEGER),
                    OperandTypes.family(SqlTypeFamily.STRING, SqlTypeFamily.INTEGER, SqlTypeFamily.INTEGER))),
            fn("concat", ReturnTypes.VARCHAR, OperandTypes.ONE_OR_MORE),
            // Calcite's versions insist on one operand type; PostgreSQL unifies e.g. date and timestamp
            fn("greatest", PgOperatorTable::commonType, OperandTypes.ONE_OR_MORE),
            fn("least", PgOperatorTable::commonType, OperandTypes.ONE_OR_MORE), COALESCE, NULLIF, PG_COLLATE,
            PgDateTimeOperators.DATE_PART, PgDateTimeOperators.DATE_TRUNC, PgDateTimeOperators.PG_EXTRACT,
            PgDateTimeOperators.PG_INTERVAL, PgDateTimeOperators.TIMEZONE, PgDateTimeOperators.PG_AT_TIME_ZONE,
            PgDateTimeOperators.PG_DATE_TRUNC,
            // jsonb: the operators as InfixRewrites turns them into calls, and two functions
            fn("pg_jsonb_get", TEXT, OperandTypes.ANY_ANY), fn("pg_jsonb_get_text", TEXT, OperandTypes.ANY_ANY),
            fn("pg_jsonb_path", TEXT, OperandTypes.ANY_ANY), fn("pg_jsonb_path_text", TEXT, OperandTypes.ANY_ANY),
            fn("pg_jsonb_contains", ReturnTypes.BOOLEAN_NULLABLE, OperandTypes.ANY_ANY),
            fn("pg_jsonb_exists", ReturnTypes.BOOLEAN_NULLABLE, OperandTypes.ANY_ANY),
            fn("jsonb_typeof", TEXT, OperandTypes.ANY), fn("jsonb_array_length", ReturnTypes.INTEGER_NULLABLE, OperandTypes.ANY))
            .collect(Collectors.toMap(f -> f.getName().toLowerCase(Locale.ROOT), Function.identity()));

    private PgOperatorTable() {
    }

    /** The operands' least restrictive type, else the first operand's (validation only needs a plausible type). */
    private static RelDataType commonType(SqlOperatorBinding binding) {
        RelDataTypeFactory f = binding.getTypeFactory();
        RelDataType common = f.leastRestrictive(binding.collectOperandTypes());
        return f.createTypeWithNullability(common != null ? common : binding.getOperandType(0), true);
    }

    private static SqlFunction fn(String name, SqlReturnTypeInference ret, SqlOperandTypeChecker operands) {
        return new SqlFunction(name.toUpperCase(Locale.ROOT), SqlKind.OTHER_FUNCTION, ret, null, operands,
                SqlFunctionCategory.STRING);
    }

    /** Whether {@code op} is one of this table's own PostgreSQL functions (converted as plain calls). */
    boolean isOwn(SqlOperator op) {
        return op instanceof SqlFunction f && overrides.get(f.getName().toLowerCase(Locale.ROOT)) == f;
    }

    @Override
    public void lookupOperatorOverloads(SqlIdentifier opName, SqlFunctionCategory category, SqlSyntax syntax,
                                        List<SqlOperator> operatorList, SqlNameMatcher nameMatcher) {
        if (opName.isSimple() && syntax == SqlSyntax.BINARY && (opName.getSimple().equals("+") || opName.getSimple().equals("-"))) {
            // the validator looks binary operators up again when it types them
            operatorList.add(opName.getSimple().equals("+") ? PgDateTimeOperators.PLUS : PgDateTimeOperators.MINUS);
            return;
        }
        if (opName.isSimple() && syntax == SqlSyntax.FUNCTION) {
            SqlFunction own = overrides.get(opName.getSimple().toLowerCase(Locale.ROOT));
            if (own != null) {
                operatorList.add(own);
                return;
            }
        }
        library.lookupOperatorOverloads(opName, category, syntax, operatorList, SqlNameMatchers.withCaseSensitive(false));
    }

    @Override
    public List<SqlOperator> getOperatorList() {
        List<SqlOperator> all = new ArrayList<>(library.getOperatorList());
        all.addAll(overrides.values());
        return all;
    }
}
