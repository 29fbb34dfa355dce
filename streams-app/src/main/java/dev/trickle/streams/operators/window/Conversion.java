package dev.trickle.streams.operators.window;

import dev.trickle.streams.rows.EvaluationException;

/**
 * PostgreSQL's conversion of a value's text to another type's text, for functions whose arguments resolve
 * to a common type (lag and lead of an integer with a numeric default return numeric).
 */
@FunctionalInterface
public interface Conversion {
    Conversion NONE = text -> text;

    String apply(String text) throws EvaluationException;
}
