package dev.trickle.streams.operators;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.rows.EvaluationException;
import java.util.List;

/** WHERE: keeps a row (with its weight) when the predicate is TRUE; FALSE and NULL drop it. */
public final class FilterOperator extends LinearOperator {
    private final Expr predicate;
    private final String description;

    public FilterOperator(Expr predicate, String description) {
        this.predicate = predicate;
        this.description = description;
    }

    @Override
    protected List<String> map(List<String> row) throws EvaluationException {
        return Boolean.TRUE.equals(predicate.eval(row)) ? row : null;
    }

    @Override
    public String describe() {
        return "Filter(" + description + ")";
    }
}
