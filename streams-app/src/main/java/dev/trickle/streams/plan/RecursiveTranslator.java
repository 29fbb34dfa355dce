package dev.trickle.streams.plan;

import dev.trickle.streams.operators.recursive.RecursiveOperator;
import dev.trickle.streams.operators.recursive.SlotOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.calcite.plan.RelOptTable;
import org.apache.calcite.rel.AbstractRelNode;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelWriter;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Join;
import org.apache.calcite.rel.core.JoinRelType;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rel.core.RepeatUnion;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.TableSpool;
import org.apache.calcite.rel.core.Union;
import org.apache.calcite.rel.type.RelDataType;

/**
 * {@code WITH RECURSIVE r AS (seed UNION [ALL] recursive term)}, which Calcite plans as a RepeatUnion of
 * the two (each under a TableSpool of r), the term reading r through a scan of a transient table. The seed
 * and every part of the recursive term that does not read r are translated as usual and become the inputs
 * of a {@link RecursiveOperator}; the parts that read r become the operator's own dataflow
 * ({@link RecursiveTermPipeline}), with slots where r and those inputs come in.
 *
 * <p>PostgreSQL allows r once in the term, not under an aggregate, an outer join's nullable side, EXCEPT or
 * a subquery: the term is then linear in r, which UNION ALL needs. UNION's deletions (DRed) further need
 * the term monotone in every input, so a term whose path to r crosses anything but projections, filters,
 * inner and semi joins and UNION ALL is refused (it then runs in FULL mode).
 */
final class RecursiveTranslator {
    private static final AtomicLong IDS = new AtomicLong();
    private RecursiveTranslator() {
    }

    /** A leaf standing for an already translated input of the recursive term (or for r itself). */
    static final class Slot extends AbstractRelNode {
        private final RelTranslator.Translation translation;
        private final RelDataType rowType;
        private final String label;
        private final long id = IDS.incrementAndGet();

        Slot(RelNode replaced, RelTranslator.Translation translation, String label) {
            super(replaced.getCluster(), replaced.getTraitSet());
            this.translation = translation;
            this.rowType = replaced.getRowType();
            this.label = label;
        }

        RelTranslator.Translation translation() {
            return translation;
        }

        @Override
        protected RelDataType deriveRowType() {
            return rowType;
        }

        @Override
        public RelWriter explainTerms(RelWriter pw) {
            // a unique id: the translator shares sub-plans with equal digests, and no two slots are the same
            return super.explainTerms(pw).item("slot", label).item("id", id);
        }
    }

    static RelTranslator.Translation translate(RepeatUnion rel, String databaseCollation) throws UnsupportedQueryException {
        RelOptTable table = rel.getTransientTable();
        String name = table == null ? "?" : String.join(".", table.getQualifiedName());
        RelTranslator.Translation seed = RelTranslator.translate(unspooled(rel.getSeedRel()), databaseCollation);
        SlotOperator recursiveSlot = new SlotOperator(name);
        RelTranslator.Translation recursive = new RelTranslator.Translation(
                new PipelineNode.Op(recursiveSlot, List.of()), seed.types(), seed.collations());
        Term term = new Term(table, recursive, rel.all, name, databaseCollation);
        RelNode rewritten = term.rewrite(unspooled(rel.getIterativeRel()));
        if (term.references != 1) {
            throw new UnsupportedQueryException("WITH RECURSIVE " + name + " whose recursive term reads " + name + " "
                    + term.references + " times", "PostgreSQL allows the recursive reference once");
        }
        RelTranslator.Translation step = RelTranslator.translate(rewritten, databaseCollation);
        requireSameTypes(name, seed.types(), step.types());
        RecursiveTermPipeline pipeline = new RecursiveTermPipeline(step.node(), recursiveSlot, term.slots);
        RecursiveOperator op = new RecursiveOperator(name, rel.all, term.inputs.size(), seed.types(), pipeline);
        List<PipelineNode> inputs = new ArrayList<>();
        inputs.add(seed.node());
        term.inputs.forEach(t -> inputs.add(t.node()));
        return new RelTranslator.Translation(new PipelineNode.Op(op, inputs), seed.types(), seed.collations());
    }

    private static RelNode unspooled(RelNode rel) {
        return rel instanceof TableSpool spool ? spool.getInput() : rel;
    }

    /** PostgreSQL refuses a recursive term whose column types differ from the seed's: so does the engine. */
    private static void requireSameTypes(String name, List<PgType> seed, List<PgType> term) throws UnsupportedQueryException {
        for (int c = 0; c < seed.size(); c++) {
            if (!seed.get(c).equals(term.get(c))) {
                throw new UnsupportedQueryException("WITH RECURSIVE " + name + " column " + (c + 1) + " of type "
                        + seed.get(c).sqlName() + " in the non-recursive term but " + term.get(c).sqlName() + " in the recursive term",
                        "cast the non-recursive term's column to the type the recursive term computes");
            }
        }
    }

    /** The recursive term, rewritten: r and every sub-plan that does not read r replaced by slots. */
    private static final class Term {
        private final RelOptTable table;
        private final RelTranslator.Translation recursive;
        private final boolean all;
        private final String name;
        private final String databaseCollation;
        final List<RelTranslator.Translation> inputs = new ArrayList<>();
        final List<SlotOperator> slots = new ArrayList<>();
        int references;

        Term(RelOptTable table, RelTranslator.Translation recursive, boolean all, String name, String databaseCollation) {
            this.table = table;
            this.recursive = recursive;
            this.all = all;
            this.name = name;
            this.databaseCollation = databaseCollation;
        }

        RelNode rewrite(RelNode rel) throws UnsupportedQueryException {
            if (isRecursiveReference(rel)) {
                references++;
                return new Slot(rel, recursive, name);
            }
            if (!reads(rel)) {
                SlotOperator slot = new SlotOperator("input " + (inputs.size() + 1) + " of " + name);
                RelTranslator.Translation input = RelTranslator.translate(rel, databaseCollation);
                inputs.add(input);
                slots.add(slot);
                return new Slot(rel, new RelTranslator.Translation(new PipelineNode.Op(slot, List.of()), input.types(),
                        input.collations()), "input " + inputs.size());
            }
            requireAllowed(rel);
            List<RelNode> children = new ArrayList<>();
            for (RelNode in : rel.getInputs()) {
                children.add(rewrite(in));
            }
            return rel.copy(rel.getTraitSet(), children);
        }

        private boolean isRecursiveReference(RelNode rel) {
            return rel instanceof TableScan scan && table != null
                    && scan.getTable().getQualifiedName().equals(table.getQualifiedName());
        }

        private boolean reads(RelNode rel) {
            if (isRecursiveReference(rel)) {
                return true;
            }
            for (RelNode in : rel.getInputs()) {
                if (reads(in)) {
                    return true;
                }
            }
            return false;
        }

        /** Operators on the way from the term's result to r: linear in r, and monotone where UNION needs it. */
        private void requireAllowed(RelNode rel) throws UnsupportedQueryException {
            if (rel instanceof Project || rel instanceof Filter || rel instanceof Union union && union.all) {
                return;
            }
            if (rel instanceof Join join) {
                JoinRelType type = join.getJoinType();
                boolean leftReads = reads(join.getLeft());
                boolean monotone = type == JoinRelType.INNER || type == JoinRelType.SEMI;
                boolean linear = monotone || leftReads && (type == JoinRelType.LEFT || type == JoinRelType.ANTI)
                        || !leftReads && type == JoinRelType.RIGHT;
                if (monotone || all && linear) {
                    return;
                }
                throw new UnsupportedQueryException("WITH RECURSIVE " + name + " with " + JoinTranslator.name(type)
                        + " on its recursive reference" + (linear ? " under UNION" : ""), linear
                        ? "UNION needs a monotone recursive term, and rows added to the other side take padded rows away;"
                        + " the same term under UNION ALL is maintained" : null);
            }
            throw new UnsupportedQueryException("WITH RECURSIVE " + name + " with "
                    + rel.getRelTypeName().replaceFirst("^Logical", "").toLowerCase(Locale.ROOT) + " over its recursive reference");
        }
    }
}
