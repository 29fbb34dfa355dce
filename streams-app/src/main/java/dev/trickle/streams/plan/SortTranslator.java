package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.core.Sort;

/** Translates a Calcite {@link Sort} into incremental operators (not maintained yet: refused by name). */
final class SortTranslator {
    private SortTranslator() {
    }

    static RelTranslator.Translation translate(Sort rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        throw UnsupportedRels.describe(rel);
    }
}
