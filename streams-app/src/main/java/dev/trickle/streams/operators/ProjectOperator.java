package dev.trickle.streams.operators;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.Row;
import java.util.List;

/**
 * SELECT list: computes each output column. A column that is just an input column is copied as the
 * same text (no parse and re-print, so the value is exactly what the source holds); a computed one is
 * printed with its PostgreSQL type's output function.
 */
public final class ProjectOperator extends LinearOperator {
    /** One output column: either a pass-through input index, or an expression and its type. */
    public record Column(int inputIndex, Expr expr, PgType type) {
        public static Column passThrough(int inputIndex) {
            return new Column(inputIndex, null, null);
        }

        public static Column computed(Expr expr, PgType type) {
            return new Column(-1, expr, type);
        }
    }

    private final Column[] columns;
    private final String description;

    public ProjectOperator(List<Column> columns, String description) {
        this.columns = columns.toArray(new Column[0]);
        this.description = description;
    }

    @Override
    protected List<String> map(List<String> row) throws EvaluationException {
        String[] out = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            Column c = columns[i];
            out[i] = c.inputIndex() >= 0 ? row.get(c.inputIndex()) : PgValues.format(c.expr().eval(row), c.type());
        }
        return Row.wrap(out);
    }

    @Override
    public String describe() {
        return "Project(" + description + ")";
    }
}
