package dev.trickle.streams.operators.join;

import dev.trickle.streams.operators.expr.Expr;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.rows.ZSet;
import java.util.Arrays;
import java.util.List;

/**
 * Inputs for the join operator tests: rows of two columns (key, value) on both sides, so a joined row is
 * (left key, left value, right key, right value) and the right key is column 2 of the joined row.
 */
final class JoinFixtures {
    private JoinFixtures() {
    }

    static List<String> row(String... values) {
        return Arrays.asList(values);
    }

    /** A Z-set from alternating rows and weights: {@code zset(row("1", "a"), 2L, row("2", "b"), -1L)}. */
    static ZSet<List<String>> zset(Object... rowsAndWeights) {
        ZSet<List<String>> z = new ZSet<>();
        for (int i = 0; i < rowsAndWeights.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<String> row = (List<String>) rowsAndWeights[i];
            z.add(row, (Long) rowsAndWeights[i + 1]);
        }
        return z;
    }

    static ZSet<List<String>> none() {
        return new ZSet<>();
    }

    /** Left column 0 = right column 0 as integers (right column 0 is joined column 2). */
    static JoinCondition onKey() {
        return new JoinCondition(2, List.of(key(0, 2, PgType.INT8, false)), null, null);
    }

    /** Left column 0 = right column 0 as numeric: 1.0 and 1.00 are equal. */
    static JoinCondition onNumericKey() {
        return new JoinCondition(2, List.of(key(0, 2, PgType.NUMERIC, false)), null, null);
    }

    /** Left column 0 IS NOT DISTINCT FROM right column 0: NULL matches NULL. */
    static JoinCondition onKeyNullSafe() {
        return new JoinCondition(2, List.of(key(0, 2, PgType.INT8, true)), null, null);
    }

    /** The key, and left value < right value as text (a NULL value rejects the pair). */
    static JoinCondition onKeyAndValuesOrdered() {
        return new JoinCondition(2, List.of(key(0, 2, PgType.INT8, false)), JoinFixtures::valuesOrdered, "l.v < r.v");
    }

    /** No key: left value < right value only. */
    static JoinCondition onValuesOrdered() {
        return new JoinCondition(2, List.of(), JoinFixtures::valuesOrdered, "l.v < r.v");
    }

    private static Object valuesOrdered(List<String> joined) {
        String l = joined.get(1);
        String r = joined.get(3);
        return l == null || r == null ? null : l.compareTo(r) < 0;
    }

    private static JoinCondition.KeyPart key(int leftColumn, int joinedRightColumn, PgType type, boolean nullSafe) {
        Expr l = row -> PgValues.parse(row.get(leftColumn), type);
        Expr r = row -> PgValues.parse(row.get(joinedRightColumn), type);
        return new JoinCondition.KeyPart(l, r, nullSafe, "$" + leftColumn + " = $" + joinedRightColumn);
    }
}
