package dev.trickle.streams.sql;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
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
 *     while PostgreSQL unifies, e.g., date with timestamp.</li>
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
        if (visited.getOperator() == SqlStdOperatorTable.NULLIF) {
            return PgOperatorTable.NULLIF.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        return visited;
    }
}
