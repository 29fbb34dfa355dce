package dev.trickle.streams.plan;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlSyntax;
import org.apache.calcite.sql.type.SqlTypeFamily;

/**
 * A row expression written back as SQL, for messages that name the part of the query they refuse
 * ({@code name > 'm'} rather than Calcite's {@code >($1, 'm')}). Close to what the user wrote, not exact:
 * the plan has lost parentheses, and BETWEEN or IN show as the comparisons they expand to.
 */
final class RexSql {
    private RexSql() {
    }

    /** @param names the input's column names, for column references */
    static String of(RexNode node, List<String> names) {
        if (node instanceof RexInputRef ref) {
            return ref.getIndex() < names.size() ? identifier(names.get(ref.getIndex())) : ref.toString();
        }
        if (node instanceof RexLiteral literal) {
            return literal(literal);
        }
        if (node instanceof RexCall call) {
            return call(call, names);
        }
        return node.toString();
    }

    private static String call(RexCall call, List<String> names) {
        List<RexNode> ops = call.getOperands();
        String op = call.getOperator().getName();
        if (op.equalsIgnoreCase(Collations.PG_COLLATE)) {
            return operand(ops.get(0), names) + " COLLATE " + ((RexLiteral) ops.get(1)).getValueAs(String.class);
        }
        if (op.equalsIgnoreCase("PG_CAST")) {
            return operand(ops.get(0), names) + "::" + ((RexLiteral) ops.get(1)).getValueAs(String.class);
        }
        if (call.getKind() == SqlKind.CAST) {
            // an implicit coercion Calcite inserted: not in the query text
            return of(ops.get(0), names);
        }
        SqlSyntax syntax = call.getOperator().getSyntax();
        if (call.getKind() == SqlKind.LIKE) {
            String like = operand(ops.get(0), names) + " " + op + " " + operand(ops.get(1), names);
            return ops.size() > 2 ? like + " ESCAPE " + operand(ops.get(2), names) : like;
        }
        if (syntax == SqlSyntax.BINARY && ops.size() >= 2) {
            return ops.stream().map(o -> operand(o, names)).collect(Collectors.joining(" " + op + " "));
        }
        if (syntax == SqlSyntax.PREFIX && ops.size() == 1) {
            return op + " " + operand(ops.get(0), names);
        }
        if (syntax == SqlSyntax.POSTFIX && ops.size() == 1) {
            return operand(ops.get(0), names) + " " + op;
        }
        return op.toLowerCase(Locale.ROOT) + "(" + ops.stream().map(o -> of(o, names)).collect(Collectors.joining(", ")) + ")";
    }

    /** An operand of an operator, parenthesized when it is an operator expression itself. */
    private static String operand(RexNode node, List<String> names) {
        String sql = of(node, names);
        if (node instanceof RexCall call && call.getKind() != SqlKind.CAST) {
            SqlSyntax s = call.getOperator().getSyntax();
            if (s == SqlSyntax.BINARY || s == SqlSyntax.PREFIX || s == SqlSyntax.POSTFIX) {
                return "(" + sql + ")";
            }
        }
        return sql;
    }

    private static String literal(RexLiteral literal) {
        if (literal.isNull()) {
            return "NULL";
        }
        SqlTypeFamily family = literal.getType().getFamily() instanceof SqlTypeFamily f ? f : null;
        if (family == SqlTypeFamily.CHARACTER) {
            return "'" + literal.getValueAs(String.class).replace("'", "''") + "'";
        }
        if (family == SqlTypeFamily.NUMERIC) {
            return literal.getValueAs(BigDecimal.class).toPlainString();
        }
        return literal.toString();
    }

    /** A column name, quoted unless PostgreSQL would read it back unquoted. */
    private static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
