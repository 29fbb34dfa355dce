package dev.trickle.streams.sql;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.fun.SqlLibraryOperators;
import org.apache.calcite.sql.util.SqlShuttle;

/**
 * Rewrites every cast the user wrote ({@code CAST(x AS t)} or {@code x::t}) into the {@code ::} operator,
 * so that after validation the only standard CAST calls left are those Calcite's type coercion inserted.
 * PostgreSQL applies explicit casts with their type modifier and implicit coercions without one.
 */
final class UserCasts extends SqlShuttle {
    @Override
    public SqlNode visit(SqlCall call) {
        SqlCall visited = (SqlCall) super.visit(call);
        if (visited != null && visited.getKind() == SqlKind.CAST && visited.operandCount() == 2
                && visited.getOperator() != SqlLibraryOperators.INFIX_CAST) {
            return SqlLibraryOperators.INFIX_CAST.createCall(visited.getParserPosition(), visited.getOperandList());
        }
        return visited;
    }
}
