package dev.trickle.streams.sql;

import java.util.Locale;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIntervalQualifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.fun.SqlLibraryOperators;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.util.SqlShuttle;

/**
 * Rewrites applied to the parsed query before validation:
 * <ul>
 * <li>every cast the user wrote ({@code CAST(x AS t)} or {@code x::t}) becomes the {@code ::} operator, so
 *     that after validation the only standard CAST calls left are those Calcite's type coercion inserted
 *     (PostgreSQL applies explicit casts with their type modifier, implicit coercions without one);</li>
 * <li>COALESCE and NULLIF become PostgreSQL-typed functions: Calcite's insist on identical operand types,
 *     while PostgreSQL unifies, e.g., date with timestamp;</li>
 * <li>{@code EXTRACT(unit FROM x)} becomes {@code PG_EXTRACT('unit', x)};</li>
 * <li>+ and - become {@link PgDateTimeOperators}' (which also accept date ± integer and date - date).</li>
 * </ul>
 */
final class PgRewrites extends SqlShuttle {
    @Override
    public SqlNode visit(SqlCall call) {
        SqlCall visited = (SqlCall) super.visit(call);
        if (visited == null) {
            return null;
        }
        if (visited.getKind() == SqlKind.CAST && visited.operandCount() == 2
                && visited.getOperator() != SqlLibraryOperators.INFIX_CAST) {
            return SqlLibraryOperators.INFIX_CAST.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        if (visited.getOperator() == SqlStdOperatorTable.COALESCE) {
            return PgOperatorTable.COALESCE.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        if (visited.getKind() == SqlKind.EXTRACT && visited.operand(0) instanceof SqlIntervalQualifier unit) {
            SqlNode text = SqlLiteral.createCharString(unitName(unit), unit.getParserPosition());
            return PgDateTimeOperators.PG_EXTRACT.createCall(visited.getParserPosition(), text, visited.operand(1));
        }
        if (visited.getOperator() == SqlStdOperatorTable.PLUS) {
            return PgDateTimeOperators.PLUS.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        if (visited.getOperator() == SqlStdOperatorTable.MINUS) {
            return PgDateTimeOperators.MINUS.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        if (visited.getOperator() == SqlStdOperatorTable.NULLIF) {
            return PgOperatorTable.NULLIF.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        return visited;
    }

    /** The unit as PostgreSQL's extract names it (the word written; Calcite's own units in lower case). */
    private static String unitName(SqlIntervalQualifier unit) {
        if (unit.timeFrameName != null) {
            return unit.timeFrameName.toLowerCase(Locale.ROOT);
        }
        return switch (unit.timeUnitRange) {
            case MICROSECOND -> "microseconds";
            case MILLISECOND -> "milliseconds";
            default -> unit.timeUnitRange.name().toLowerCase(Locale.ROOT);
        };
    }
}
