package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.core.Window;

/** Translates a Calcite {@link Window} into incremental operators (not maintained yet: refused by name). */
final class WindowTranslator {
    private WindowTranslator() {
    }

    static RelTranslator.Translation translate(Window rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        throw UnsupportedRels.describe(rel);
    }
}
