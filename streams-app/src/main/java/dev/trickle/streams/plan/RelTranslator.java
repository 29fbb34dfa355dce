package dev.trickle.streams.plan;

import dev.trickle.streams.operators.expr.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.List;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.TableScan;

/**
 * Turns a simplified Calcite plan into the operator dataflow, one relational operator at a time:
 * scans ({@link ScanTranslator}), the linear operators ({@link LinearTranslator}); every other
 * relational operator is reported by {@link UnsupportedRels}.
 */
public final class RelTranslator {
    /** A translated sub-plan: its dataflow node and the PostgreSQL types of its output columns. */
    public record Translation(PipelineNode node, List<PgType> types) {
        public Translation {
            types = List.copyOf(types);
        }
    }

    private RelTranslator() {
    }

    public static Translation translate(RelNode rel) throws UnsupportedQueryException {
        if (rel instanceof TableScan scan) {
            return ScanTranslator.translate(scan);
        }
        if (rel instanceof Filter filter) {
            return LinearTranslator.filter(filter, translate(filter.getInput()));
        }
        if (rel instanceof Project project) {
            return LinearTranslator.project(project, translate(project.getInput()));
        }
        throw UnsupportedRels.describe(rel);
    }
}
