package dev.trickle.streams.operators.aggregate;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's equality for grouping, DISTINCT and set operations, as text: two values' canonical forms
 * are equal exactly when PostgreSQL's equality operator (the one GROUP BY and DISTINCT use) says so, and
 * NULLs are equal to each other. Most output texts are canonical already; numeric ({@code 1.0} and
 * {@code 1.00}), floats ({@code -0} and {@code 0}) and char(n) (trailing blanks) are not. Text is compared
 * code point by code point: the translator refuses nondeterministic collations.
 */
public final class ValueEquality {
    private final boolean[] normalize;
    private final PgType[] types;

    public ValueEquality(List<PgType> columnTypes) {
        this.types = columnTypes.toArray(new PgType[0]);
        this.normalize = new boolean[types.length];
        for (int i = 0; i < types.length; i++) {
            normalize[i] = needsNormalizing(types[i]);
        }
    }

    /** Whether values of this type can be equal with different texts. */
    public static boolean needsNormalizing(PgType type) {
        return switch (type.kind()) {
            case NUMERIC, FLOAT4, FLOAT8, BPCHAR -> true;
            default -> false;
        };
    }

    /** Whether any column's values can be equal with different texts (then the written forms are tracked). */
    public boolean anyNormalized() {
        for (boolean n : normalize) {
            if (n) {
                return true;
            }
        }
        return false;
    }

    /** The canonical forms of {@code values} (positional, one per column). */
    public List<String> canonical(List<String> values) {
        List<String> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            out.add(v == null || !normalize[i] ? v : canonical(v, types[i]));
        }
        return out;
    }

    static String canonical(String text, PgType type) {
        return switch (type.kind()) {
            case NUMERIC -> canonicalNumeric(text);
            // PostgreSQL prints the shortest text that reads back exactly: only -0 and 0 are equal and differ
            case FLOAT4, FLOAT8 -> text.equals("-0") ? "0" : text;
            case BPCHAR -> PgValues.rtrimSpaces(text);
            default -> text;
        };
    }

    private static String canonicalNumeric(String text) {
        try {
            BigDecimal d = new BigDecimal(text.trim());
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            // NaN and the infinities have one text each
            return text;
        }
    }
}
