package dev.trickle.streams.rows;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * A row of the engine: its columns' PostgreSQL text (NULL as null), which is what it equals, hashes and
 * prints as, exactly like any {@code List<String>} of the same text, so that equal text is an equal row
 * and Z-sets consolidate as they always did. What it adds is memory: the first expression that reads a
 * column as a type parses the text once ({@link #parsed}), and every later reference of the same row
 * (a filter, then a projection, then a join condition) gets that value instead of parsing again.
 *
 * <p>Immutable as a list; the memo is filled on first use, by the one task thread that owns the row.
 */
public final class Row extends AbstractList<String> implements RandomAccess {
    private static final Row EMPTY = new Row(new String[0]);
    private final String[] values;
    /** Per column, the type it was parsed as and the value ({@code [2i]}, {@code [2i + 1]}): one array. */
    private Object[] parsed;
    private int hash;

    private Row(String[] values) {
        this.values = values;
    }

    /** A row of these values; the array becomes the row's, so the caller must not change it afterwards. */
    public static Row wrap(String[] values) {
        return values.length == 0 ? EMPTY : new Row(values);
    }

    /** {@code values} itself when it is a row already, else a row with a copy of its text. */
    public static Row of(List<String> values) {
        return values instanceof Row row ? row : wrap(values.toArray(new String[0]));
    }

    /** A parser of one column's text into the engine's value of its type (see {@code PgValues.parse}). */
    @FunctionalInterface
    public interface Parser {
        Object parse(String text, PgType type) throws EvaluationException;
    }

    /**
     * Column {@code index} as a value of {@code type}: parsed by {@code parser} on the first call for that
     * type, then remembered. A text that does not parse is not remembered: its error comes again.
     */
    public Object parsed(int index, PgType type, Parser parser) throws EvaluationException {
        String text = values[index];
        if (text == null) {
            return null;
        }
        if (parsed == null) {
            parsed = new Object[2 * values.length];
        } else if (parsed[2 * index] == type || type.equals(parsed[2 * index])) {
            return parsed[2 * index + 1];
        }
        Object value = parser.parse(text, type);
        parsed[2 * index] = type;
        parsed[2 * index + 1] = value;
        return value;
    }

    @Override
    public String get(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public Object[] toArray() {
        return values.clone();
    }

    /**
     * {@link List#hashCode()}'s value, computed once: rows are looked up in Z-sets again and again. Computed over
     * the array ({@link Arrays#hashCode(Object[])} is the same formula) rather than by {@code AbstractList}'s
     * iterator, which was a tenth of a join's tick.
     */
    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(values);
            hash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof Row other) {
            return hashCode() == other.hashCode() && Arrays.equals(values, other.values);
        }
        return super.equals(o);
    }
}
