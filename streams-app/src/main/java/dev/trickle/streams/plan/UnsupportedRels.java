package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Correlate;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Values;

/** Names the SQL construct behind a relational operator the engine does not maintain yet. */
final class UnsupportedRels {
    private UnsupportedRels() {
    }

    static UnsupportedQueryException describe(RelNode rel) {
        if (rel instanceof Join join) {
            return new UnsupportedQueryException(JoinTranslator.name(join.getJoinType()));
        }
        if (rel instanceof Correlate) {
            return new UnsupportedQueryException("correlated subquery");
        }
        if (rel instanceof Values) {
            return new UnsupportedQueryException("VALUES", "a query without a source table");
        }
        return new UnsupportedQueryException("relational operator " + rel.getRelTypeName());
    }
}
