package dev.trickle.streams.plan;

import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Aggregate;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.RepeatUnion;
import org.apache.calcite.rel.core.SetOp;
import org.apache.calcite.rel.core.Sort;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.core.Window;

/**
 * Turns a simplified Calcite plan into the operator dataflow, one relational operator at a time:
 * scans ({@link ScanTranslator}), the linear operators ({@link LinearTranslator}), joins
 * ({@link JoinTranslator}), aggregates ({@link AggregateTranslator}) and set operations
 * ({@link SetOpTranslator}) and recursive CTEs ({@link RecursiveTranslator}); every other relational operator is reported by {@link UnsupportedRels}.
 */
public final class RelTranslator {
    /** A translated sub-plan: its dataflow node and the PostgreSQL types and collations of its output columns. */
    public record Translation(PipelineNode node, List<PgType> types, List<DerivedCollation> collations) {
        public Translation {
            types = List.copyOf(types);
            collations = List.copyOf(collations);
        }
    }

    private RelTranslator() {
    }

    /** A plan over sources in a database whose default collation is "C". */
    public static Translation translate(RelNode rel) throws UnsupportedQueryException {
        return translate(rel, "C");
    }

    /**
     * @param databaseCollation the database's default collation (LC_COLLATE): ordering text under one that
     *                          does not order by code point is refused
     */
    public static Translation translate(RelNode rel, String databaseCollation) throws UnsupportedQueryException {
        Map<String, Translation> shared = SHARED.get();
        boolean outermost = shared == null;
        if (outermost) {
            shared = new HashMap<>();
            SHARED.set(shared);
        }
        try {
            // equal sub-plans (a CTE read twice) become one node of the dataflow: computed once per tick
            String digest = rel.getDigest();
            Translation done = shared.get(digest);
            if (done == null) {
                done = translateOnce(rel, databaseCollation);
                shared.put(digest, done);
            }
            return done;
        } finally {
            if (outermost) {
                SHARED.remove();
            }
        }
    }

    /** The translations of the plan being translated, by digest (the translators call back into this class). */
    private static final ThreadLocal<Map<String, Translation>> SHARED = new ThreadLocal<>();

    private static Translation translateOnce(RelNode rel, String databaseCollation) throws UnsupportedQueryException {
        if (rel instanceof RecursiveTranslator.Slot slot) {
            return slot.translation();
        }
        if (rel instanceof RepeatUnion repeatUnion) {
            return RecursiveTranslator.translate(repeatUnion, databaseCollation);
        }
        if (rel instanceof TableScan scan) {
            return ScanTranslator.translate(scan);
        }
        if (rel instanceof Values values && values.getTuples().isEmpty()) {
            return ScanTranslator.empty(values);
        }
        if (rel instanceof Filter filter) {
            return LinearTranslator.filter(filter, translate(filter.getInput(), databaseCollation), databaseCollation);
        }
        if (rel instanceof Project project) {
            return LinearTranslator.project(project, translate(project.getInput(), databaseCollation), databaseCollation);
        }
        if (rel instanceof Join join) {
            return JoinTranslator.translate(join, inputs(rel, databaseCollation), databaseCollation);
        }
        if (rel instanceof Aggregate aggregate) {
            return AggregateTranslator.translate(aggregate, inputs(rel, databaseCollation), databaseCollation);
        }
        if (rel instanceof Sort sort) {
            return SortTranslator.translate(sort, inputs(rel, databaseCollation), databaseCollation);
        }
        if (rel instanceof Window window) {
            return WindowTranslator.translate(window, inputs(rel, databaseCollation), databaseCollation);
        }
        if (rel instanceof SetOp setOp) {
            return SetOpTranslator.translate(setOp, inputs(rel, databaseCollation), databaseCollation);
        }
        throw UnsupportedRels.describe(rel);
    }

    private static List<Translation> inputs(RelNode rel, String databaseCollation) throws UnsupportedQueryException {
        List<Translation> out = new ArrayList<>();
        for (RelNode input : rel.getInputs()) {
            out.add(translate(input, databaseCollation));
        }
        return out;
    }
}
