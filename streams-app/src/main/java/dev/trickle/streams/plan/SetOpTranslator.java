package dev.trickle.streams.plan;

import dev.trickle.streams.operators.ProjectOperator;
import dev.trickle.streams.operators.expr.PgTypeRules;
import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.setop.SetOpOperator;
import dev.trickle.streams.operators.setop.UnionAllOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.core.Intersect;
import org.apache.calcite.rel.core.Minus;
import org.apache.calcite.rel.core.SetOp;
import org.apache.calcite.rel.core.Union;

/**
 * UNION [ALL], INTERSECT [ALL] and EXCEPT [ALL]. Each output column takes the type PostgreSQL's set
 * operation resolution gives it (integer and numeric make numeric, char(n) and text make char), and inputs
 * whose column has another type are converted first, as PostgreSQL converts them (text compared as char
 * ignores trailing blanks, a numeric in double precision is printed as a float). UNION ALL is stateless;
 * the others keep per-row counts ({@link SetOpOperator}).
 */
final class SetOpTranslator {
    private SetOpTranslator() {
    }

    static RelTranslator.Translation translate(SetOp rel, List<RelTranslator.Translation> inputs, String databaseCollation)
            throws UnsupportedQueryException {
        String what = rel instanceof Union ? "UNION" : rel instanceof Intersect ? "INTERSECT" : "EXCEPT";
        int columns = rel.getRowType().getFieldCount();
        List<PgType> types = new ArrayList<>();
        List<DerivedCollation> collations = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            List<PgType> candidates = new ArrayList<>();
            DerivedCollation collation = DerivedCollation.NONE;
            for (RelTranslator.Translation in : inputs) {
                candidates.add(in.types().get(c));
                collation = collation.merge(in.collations().get(c));
            }
            PgType type = resolve(candidates);
            if (type == null) {
                throw new UnsupportedQueryException(what + " of " + candidates.stream().map(PgType::sqlName).distinct().toList(),
                        "PostgreSQL cannot match these column types");
            }
            if (!(rel instanceof Union && rel.all)) {
                requireEquality(collation, what);
            }
            types.add(type);
            collations.add(collation);
        }
        List<PipelineNode> nodes = new ArrayList<>();
        for (RelTranslator.Translation in : inputs) {
            nodes.add(converted(in, types));
        }
        var op = rel instanceof Union && rel.all ? new UnionAllOperator(inputs.size())
                : new SetOpOperator(rel instanceof Union ? SetOpOperator.Kind.UNION : rel instanceof Minus
                        ? SetOpOperator.Kind.EXCEPT : SetOpOperator.Kind.INTERSECT, rel.all, inputs.size(), types);
        return new RelTranslator.Translation(new PipelineNode.Op(op, nodes), types, collations);
    }

    /**
     * PostgreSQL's select_common_type: the first input's type, replaced by a later one only when the first
     * converts to it implicitly and not back. Strings convert to each other implicitly both ways, so the
     * first string type stays (char(3) UNION text is char); numbers widen (integer UNION numeric is numeric).
     * The modifier stays when every input has the same.
     */
    private static PgType resolve(List<PgType> candidates) {
        PgType first = candidates.get(0);
        if (candidates.stream().allMatch(first::equals)) {
            return first;
        }
        if (candidates.stream().allMatch(PgType::isString)) {
            return first.base();
        }
        return PgTypeRules.common(candidates);
    }

    /** Equal rows must be equal text: PostgreSQL compares under the columns' collation. */
    private static void requireEquality(DerivedCollation c, String what) throws UnsupportedQueryException {
        if (c.strength() == DerivedCollation.Strength.CONFLICT) {
            throw new UnsupportedQueryException(what + " of text under collations \"" + c.name() + "\" and \"" + c.other() + "\"",
                    "PostgreSQL may not be able to choose between them; write COLLATE \"C\"");
        }
        if (!c.deterministic()) {
            throw new UnsupportedQueryException(what + " of text under nondeterministic collation \"" + c.name() + "\"",
                    "the engine compares text code point by code point");
        }
    }

    /** The input as is, or with the columns whose type differs from the result's converted. */
    private static PipelineNode converted(RelTranslator.Translation in, List<PgType> types) throws UnsupportedQueryException {
        List<ProjectOperator.Column> columns = new ArrayList<>();
        boolean any = false;
        for (int c = 0; c < types.size(); c++) {
            PgType from = in.types().get(c);
            PgType to = types.get(c);
            // a modifier dropped (numeric(10,2) to numeric) changes no value
            if (from.equals(to) || from.kind() == to.kind() && to.equals(to.base())) {
                columns.add(ProjectOperator.Column.passThrough(c));
                continue;
            }
            int index = c;
            TypedExpr column = new TypedExpr(row -> PgValues.column(row, index, from), from, TypedExpr.Origin.COLUMN);
            TypedExpr cast = column.castTo(to);
            columns.add(ProjectOperator.Column.computed(cast.expr(), cast.type()));
            any = true;
        }
        return any ? new PipelineNode.Op(new ProjectOperator(columns, "set operation column types " + types), List.of(in.node()))
                : in.node();
    }
}
