package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;
import java.util.List;

/**
 * A compiled scalar expression over one row of PostgreSQL text values. Returns the value in the
 * engine's Java representation of its PostgreSQL type (see {@link PgValues}), or null for SQL NULL.
 */
@FunctionalInterface
public interface Expr {
    Object eval(List<String> row) throws EvaluationException;
}
