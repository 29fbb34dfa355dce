package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.core.Aggregate;

/** Translates a Calcite {@link Aggregate} into incremental operators (not maintained yet: refused by name). */
final class AggregateTranslator {
    private AggregateTranslator() {
    }

    static RelTranslator.Translation translate(Aggregate rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        throw UnsupportedRels.describe(rel);
    }
}
