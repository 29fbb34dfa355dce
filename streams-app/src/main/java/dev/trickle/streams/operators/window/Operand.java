package dev.trickle.streams.operators.window;

import java.util.List;

/**
 * An argument of a window function (lag's offset and default, nth_value's n, ntile's buckets, a frame's
 * offset): the value of an input column in the row the function is evaluated for, or a constant, as text.
 */
public record Operand(int column, String constant) {
    public static Operand column(int column) {
        return new Operand(column, null);
    }

    public static Operand constant(String text) {
        return new Operand(-1, text);
    }

    public String value(List<String> row) {
        return column >= 0 ? row.get(column) : constant;
    }

    @Override
    public String toString() {
        return column >= 0 ? "$" + column : constant == null ? "NULL" : constant;
    }
}
