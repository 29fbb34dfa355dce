package dev.trickle.streams.sql;

import org.apache.calcite.avatica.util.TimeUnit;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.SqlBinaryOperator;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlFunctionCategory;
import org.apache.calcite.sql.SqlIntervalQualifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlOperatorBinding;
import org.apache.calcite.sql.fun.SqlMonotonicBinaryOperator;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.InferTypes;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlReturnTypeInference;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * PostgreSQL's date and time operators and functions that Calcite lacks, for validation only (the engine
 * computes every value): {@code date + integer}, {@code integer + date}, {@code date - integer} (date),
 * {@code date - date} (integer), {@code date_part(text, timestamp)}, {@code date_trunc(text, timestamp)} and
 * {@code extract}.
 * The parser's + and - are replaced by these ({@link PgRewrites}); for every other operand type they
 * validate as Calcite's own.
 */
final class PgDateTimeOperators {
    static final SqlBinaryOperator PLUS = new SqlMonotonicBinaryOperator("+", SqlKind.PLUS, 40, true,
            b -> type(b, false), InferTypes.FIRST_KNOWN, OperandTypes.or(OperandTypes.PLUS_OPERATOR,
                    OperandTypes.family(SqlTypeFamily.DATE, SqlTypeFamily.INTEGER),
                    OperandTypes.family(SqlTypeFamily.INTEGER, SqlTypeFamily.DATE)));
    static final SqlBinaryOperator MINUS = new SqlMonotonicBinaryOperator("-", SqlKind.MINUS, 40, true,
            b -> type(b, true), InferTypes.FIRST_KNOWN, OperandTypes.or(OperandTypes.MINUS_OPERATOR,
                    OperandTypes.family(SqlTypeFamily.DATE, SqlTypeFamily.INTEGER),
                    OperandTypes.family(SqlTypeFamily.DATE, SqlTypeFamily.DATE)));
    static final SqlFunction DATE_PART = function("DATE_PART", ReturnTypes.DOUBLE_NULLABLE);
    /**
     * {@code EXTRACT(unit FROM x)} as {@code PG_EXTRACT('unit', x)} ({@link PgRewrites}): Calcite's EXTRACT knows
     * fewer units (no julian) and refuses some PostgreSQL only refuses at run time (hour of a date).
     */
    static final SqlFunction PG_EXTRACT = function("PG_EXTRACT", b -> b.getTypeFactory().createTypeWithNullability(
            b.getTypeFactory().createSqlType(SqlTypeName.DECIMAL, PgTypeSystem.MAX_NUMERIC, 0), true));
    /**
     * {@code date_trunc(text, timestamp)} is a timestamp; of a date or timestamptz (PostgreSQL converts a date to
     * timestamptz) a timestamptz, also with a third operand, the zone: {@code date_trunc(text, timestamptz, text)}.
     */
    static final SqlFunction DATE_TRUNC = dateTrunc("DATE_TRUNC");
    /** {@code date_trunc} as {@link InfixRewrites} writes it: {@code pg_date_trunc}, an ordinary call for the parser. */
    static final SqlFunction PG_DATE_TRUNC = dateTrunc("PG_DATE_TRUNC");

    private static SqlFunction dateTrunc(String name) {
        return new SqlFunction(name, SqlKind.OTHER_FUNCTION,
                b -> b.getTypeFactory().createTypeWithNullability(b.getTypeFactory().createSqlType(
                        b.getOperandType(1).getSqlTypeName() == SqlTypeName.TIMESTAMP && b.getOperandCount() == 2
                                ? SqlTypeName.TIMESTAMP : SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE), true),
                null, OperandTypes.or(OperandTypes.family(SqlTypeFamily.CHARACTER, SqlTypeFamily.ANY),
                        OperandTypes.family(SqlTypeFamily.CHARACTER, SqlTypeFamily.ANY, SqlTypeFamily.CHARACTER)),
                SqlFunctionCategory.TIMEDATE);
    }

    /**
     * {@code timezone(zone, x)}, PostgreSQL's function behind {@code x AT TIME ZONE zone}: a timestamptz gives the
     * local timestamp in the zone, a timestamp (or date) the timestamptz of that local time there.
     */
    static final SqlFunction TIMEZONE = new SqlFunction("TIMEZONE", SqlKind.OTHER_FUNCTION,
            b -> b.getTypeFactory().createTypeWithNullability(b.getTypeFactory().createSqlType(
                    b.getOperandType(1).getSqlTypeName() == SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE
                            || b.getOperandType(1).getSqlTypeName() == SqlTypeName.TIMESTAMP_TZ
                            ? SqlTypeName.TIMESTAMP : SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE), true),
            null, OperandTypes.family(SqlTypeFamily.CHARACTER, SqlTypeFamily.ANY), SqlFunctionCategory.TIMEDATE);

    /** {@code x AT TIME ZONE zone} as {@link InfixRewrites} writes it: {@code timezone(zone, x)} with the operands swapped. */
    static final SqlFunction PG_AT_TIME_ZONE = new SqlFunction("PG_AT_TIME_ZONE", SqlKind.OTHER_FUNCTION,
            b -> b.getTypeFactory().createTypeWithNullability(b.getTypeFactory().createSqlType(
                    b.getOperandType(0).getSqlTypeName() == SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE
                            || b.getOperandType(0).getSqlTypeName() == SqlTypeName.TIMESTAMP_TZ
                            ? SqlTypeName.TIMESTAMP : SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE), true),
            null, OperandTypes.family(SqlTypeFamily.ANY, SqlTypeFamily.CHARACTER), SqlFunctionCategory.TIMEDATE);

    /** PostgreSQL's {@code interval '1 day'} as {@link InfixRewrites} writes it: an interval for validation. */
    static final SqlFunction PG_INTERVAL = new SqlFunction("PG_INTERVAL", SqlKind.OTHER_FUNCTION,
            b -> b.getTypeFactory().createSqlIntervalType(new SqlIntervalQualifier(TimeUnit.DAY, TimeUnit.SECOND,
                    SqlParserPos.ZERO)), null, OperandTypes.CHARACTER, SqlFunctionCategory.TIMEDATE);

    private PgDateTimeOperators() {
    }

    private static SqlFunction function(String name, SqlReturnTypeInference type) {
        return new SqlFunction(name, SqlKind.OTHER_FUNCTION, type, null,
                // any second operand: the engine names what it does not maintain (timestamptz, interval, unknown)
                OperandTypes.family(SqlTypeFamily.CHARACTER, SqlTypeFamily.ANY), SqlFunctionCategory.TIMEDATE);
    }

    /** date ± integer is a date, date - date an integer; anything else is typed as Calcite types it. */
    private static RelDataType type(SqlOperatorBinding b, boolean minus) {
        RelDataTypeFactory f = b.getTypeFactory();
        SqlTypeName x = b.getOperandType(0).getSqlTypeName();
        SqlTypeName y = b.getOperandType(1).getSqlTypeName();
        boolean nullable = b.getOperandType(0).isNullable() || b.getOperandType(1).isNullable();
        SqlTypeName result = null;
        if (x == SqlTypeName.DATE && isInteger(y) || !minus && isInteger(x) && y == SqlTypeName.DATE) {
            result = SqlTypeName.DATE;
        } else if (minus && x == SqlTypeName.DATE && y == SqlTypeName.DATE) {
            result = SqlTypeName.INTEGER;
        }
        if (result == null) {
            return (minus ? SqlStdOperatorTable.MINUS : SqlStdOperatorTable.PLUS).inferReturnType(b);
        }
        return f.createTypeWithNullability(f.createSqlType(result), nullable);
    }

    private static boolean isInteger(SqlTypeName t) {
        return SqlTypeName.INT_TYPES.contains(t);
    }
}
