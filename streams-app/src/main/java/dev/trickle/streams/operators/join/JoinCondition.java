package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.KeyTexts;
import java.util.ArrayList;
import java.util.List;

/**
 * A join's ON condition split for indexing: equality conjuncts between an expression of the left input and
 * one of the right input become the join key (rows are indexed by it and only rows with equal keys are
 * paired); every other conjunct is the residual, evaluated on each pair of rows with equal keys. Without
 * key conjuncts (a cross join, or a condition such as {@code a.x < b.y}) every row has the same empty key.
 *
 * <p>All expressions are over the joined row, left columns then right columns, as Calcite numbers them.
 */
public final class JoinCondition {
    /** One key conjunct: {@code left = right}, or {@code left IS NOT DISTINCT FROM right} ({@code nullSafe}). */
    public record KeyPart(Expr left, Expr right, boolean nullSafe, String description) {
    }

    private final int leftWidth;
    private final List<KeyPart> keys;
    private final Expr residual;
    private final String description;

    /**
     * @param leftWidth the left input's number of columns
     * @param keys      the key conjuncts, both sides already converted to the type they are compared in
     * @param residual  the other conjuncts, true when every one is true; null when there are none
     */
    public JoinCondition(int leftWidth, List<KeyPart> keys, Expr residual, String residualDescription) {
        this.leftWidth = leftWidth;
        this.keys = List.copyOf(keys);
        this.residual = residual;
        List<String> parts = new ArrayList<>();
        keys.forEach(k -> parts.add(k.description()));
        StringBuilder b = new StringBuilder("keys ").append(parts);
        if (residual != null) {
            b.append(", residual ").append(residualDescription);
        }
        this.description = b.toString();
    }

    /** The condition {@code ON TRUE}: every left row pairs with every right row. */
    public static JoinCondition cross(int leftWidth) {
        return new JoinCondition(leftWidth, List.of(), null, null);
    }

    /**
     * The encoded key of a left row ({@link KeyTexts} of the values' canonical texts: prefix-free, so that the
     * rows of one key are a prefix scan), or null when the row can match nothing (NULL in an {@code =} key).
     */
    byte[] leftKey(List<String> row) throws EvaluationException {
        return key(row, true);
    }

    /** The encoded key of a right row, or null when the row can match nothing. */
    byte[] rightKey(List<String> row) throws EvaluationException {
        return key(JoinRows.afterLeft(leftWidth, row), false);
    }

    private byte[] key(List<String> joinedRow, boolean left) throws EvaluationException {
        ByteWriter out = new ByteWriter(16 * keys.size());
        for (KeyPart k : keys) {
            Object v = (left ? k.left() : k.right()).eval(joinedRow);
            if (v == null && !k.nullSafe()) {
                // NULL = anything is NULL, never TRUE
                return null;
            }
            out.writeKeyText(v == null ? null : KeyValues.canonical(v));
        }
        return out.toByteArray();
    }

    /** Whether a pair of rows with equal keys satisfies the rest of the condition (TRUE; FALSE and NULL do not). */
    boolean residualHolds(List<String> left, List<String> right) throws EvaluationException {
        return residual == null || Boolean.TRUE.equals(residual.eval(JoinRows.view(left, right)));
    }

    /** Whether some key conjunct is an {@code =} (NULL-safe ones do not count: PostgreSQL cannot hash them). */
    public boolean hasEqualityKey() {
        return keys.stream().anyMatch(k -> !k.nullSafe());
    }

    /** The number of key conjuncts (texts in an encoded key). */
    public int keyParts() {
        return keys.size();
    }

    int leftWidth() {
        return leftWidth;
    }

    @Override
    public String toString() {
        return description;
    }
}
