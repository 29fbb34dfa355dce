package dev.trickle.streams.plan;

import dev.trickle.streams.operators.topk.SortKey;
import dev.trickle.streams.operators.topk.TopKOperator;
import dev.trickle.streams.operators.topk.UnorderedOperator;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;

/**
 * A Calcite {@link Sort}: ORDER BY with LIMIT and/or OFFSET is a top-K ({@link TopKOperator}); ORDER BY
 * alone is dropped, since a table has no row order ({@link UnorderedOperator}, which says so in EXPLAIN).
 * The output columns are the input's, typed and collated as the input's.
 */
final class SortTranslator {
    private SortTranslator() {
    }

    static RelTranslator.Translation translate(Sort rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        RelTranslator.Translation input = inputs.get(0);
        List<String> names = rel.getInput().getRowType().getFieldNames();
        long offset = rel.offset == null ? 0 : count(rel.offset, "OFFSET");
        long limit = rel.fetch == null ? -1 : count(rel.fetch, "LIMIT");
        if (offset == 0 && limit < 0) {
            // nothing is ordered, so no key needs an order the engine has
            UnorderedOperator op = new UnorderedOperator(SortKeys.describe(rel.getCollation(), names));
            return new RelTranslator.Translation(new PipelineNode.Op(op, List.of(input.node())), input.types(), input.collations());
        }
        List<SortKey> keys = SortKeys.of(rel.getCollation(), input, names, databaseCollation, "ORDER BY");
        String description = (keys.isEmpty() ? "no ORDER BY" : "ORDER BY " + SortKeys.describe(keys, names))
                + (limit < 0 ? "" : ", LIMIT " + limit) + (offset == 0 ? "" : ", OFFSET " + offset);
        TopKOperator op = new TopKOperator(keys, offset, limit, description);
        return new RelTranslator.Translation(new PipelineNode.Op(op, List.of(input.node())), input.types(), input.collations());
    }

    /**
     * A LIMIT or OFFSET: a non-negative number literal (the parser takes nothing else but a parameter),
     * rounded to bigint as PostgreSQL converts it.
     */
    private static long count(RexNode node, String what) throws UnsupportedQueryException {
        if (!(node instanceof RexLiteral literal) || literal.getValueAs(BigDecimal.class) == null) {
            throw new UnsupportedQueryException(what + " " + node, "only a constant " + what + " is maintained");
        }
        BigDecimal v = literal.getValueAs(BigDecimal.class).setScale(0, RoundingMode.HALF_UP);
        if (v.signum() < 0) {
            throw new UnsupportedQueryException(what + " " + v, what + " must not be negative");
        }
        try {
            return v.longValueExact();
        } catch (ArithmeticException e) {
            throw new UnsupportedQueryException(what + " " + v, what + " must be a bigint");
        }
    }
}
