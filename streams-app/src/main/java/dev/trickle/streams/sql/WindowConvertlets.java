package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql2rel.SqlRexContext;
import org.apache.calcite.sql2rel.SqlRexConvertlet;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;

/**
 * The conversion of the aggregate inside a window function call ({@code avg(x) OVER w}) keeps the aggregate
 * as one call. Calcite's standard conversion expands avg and the variance family into sums and counts
 * divided with Calcite's types (avg of integers becomes an integer division); the engine computes them as
 * PostgreSQL does from the call itself. Only window aggregates reach a convertlet as calls: GROUP BY
 * aggregates are converted by the aggregate converter. Every other call is the wrapped table's.
 */
final class WindowConvertlets implements SqlRexConvertletTable {
    private static final Set<SqlKind> KEPT = Set.of(SqlKind.AVG, SqlKind.STDDEV_POP, SqlKind.STDDEV_SAMP, SqlKind.VAR_POP,
            SqlKind.VAR_SAMP);

    private final SqlRexConvertletTable inner;

    WindowConvertlets(SqlRexConvertletTable inner) {
        this.inner = inner;
    }

    @Override
    public SqlRexConvertlet get(SqlCall call) {
        if (KEPT.contains(call.getOperator().getKind())) {
            return WindowConvertlets::convertPlain;
        }
        return inner.get(call);
    }

    private static RexNode convertPlain(SqlRexContext cx, SqlCall call) {
        List<RexNode> operands = new ArrayList<>();
        for (SqlNode operand : call.getOperandList()) {
            operands.add(cx.convertExpression(operand));
        }
        return cx.getRexBuilder().makeCall(cx.getValidator().getValidatedNodeType(call), call.getOperator(), operands);
    }
}
