package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.core.Join;

/** Translates a Calcite {@link Join} into incremental operators (not maintained yet: refused by name). */
final class JoinTranslator {
    private JoinTranslator() {
    }

    static RelTranslator.Translation translate(Join rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        throw UnsupportedRels.describe(rel);
    }
}
