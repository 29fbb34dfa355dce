package dev.trickle.streams.plan;

import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.core.SetOp;

/** Translates a Calcite {@link SetOp} into incremental operators (not maintained yet: refused by name). */
final class SetOpTranslator {
    private SetOpTranslator() {
    }

    static RelTranslator.Translation translate(SetOp rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        throw UnsupportedRels.describe(rel);
    }
}
