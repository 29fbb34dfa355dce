package dev.trickle.streams.plan;

import dev.trickle.streams.operators.FilterOperator;
import dev.trickle.streams.operators.ProjectOperator;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Filter;
import org.apache.calcite.rel.core.Project;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexNode;

/** Filter and Project: linear, stateless operators whose expressions are compiled by {@link RexTranslator}. */
final class LinearTranslator {
    private LinearTranslator() {
    }

    static RelTranslator.Translation filter(Filter filter, RelTranslator.Translation input, String databaseCollation)
            throws UnsupportedQueryException {
        RexTranslator rex = translator(filter, input, databaseCollation);
        TypedExpr condition = rex.translate(filter.getCondition());
        if (condition.origin() == TypedExpr.Origin.UNKNOWN_LITERAL) {
            condition = condition.castTo(PgType.BOOL);
        }
        if (condition.type().kind() != PgType.Kind.BOOL) {
            throw new UnsupportedQueryException("WHERE condition of type " + condition.type().sqlName(),
                    "PostgreSQL requires a boolean condition");
        }
        FilterOperator op = new FilterOperator(condition.expr(), filter.getCondition().toString());
        return new RelTranslator.Translation(new PipelineNode.Op(op, List.of(input.node())), input.types(),
                input.collations());
    }

    static RelTranslator.Translation project(Project project, RelTranslator.Translation input, String databaseCollation)
            throws UnsupportedQueryException {
        RexTranslator rex = translator(project, input, databaseCollation);
        List<ProjectOperator.Column> columns = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        List<DerivedCollation> collations = new ArrayList<>();
        for (RexNode e : project.getProjects()) {
            if (e instanceof RexInputRef ref) {
                columns.add(ProjectOperator.Column.passThrough(ref.getIndex()));
                types.add(input.types().get(ref.getIndex()));
            } else {
                TypedExpr t = rex.translate(e);
                columns.add(ProjectOperator.Column.computed(t.expr(), t.type()));
                types.add(t.type());
            }
            // an outer query level compares these columns under the collation their expression has here
            collations.add(rex.collations().of(e));
        }
        ProjectOperator op = new ProjectOperator(columns, project.getProjects().toString());
        return new RelTranslator.Translation(new PipelineNode.Op(op, List.of(input.node())), types,
                collations);
    }

    private static RexTranslator translator(RelNode rel, RelTranslator.Translation input, String databaseCollation) {
        return new RexTranslator(input.types(), input.collations(), rel.getInput(0).getRowType().getFieldNames(),
                databaseCollation, rel.getCluster().getRexBuilder());
    }
}
