package dev.trickle.streams.sql;

import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperatorTable;
import org.apache.calcite.sql.validate.SqlValidatorCatalogReader;
import org.apache.calcite.sql.validate.SqlValidatorImpl;
import org.apache.calcite.sql.validate.SqlValidatorScope;

/**
 * Calcite's validator, with one gap closed: an aggregate with {@code ORDER BY} inside its parentheses and a
 * {@code FILTER} ({@code string_agg(x, ',' ORDER BY x) FILTER (WHERE ...)}) has its result's nullability
 * inferred from every operand, the ORDER BY list included, and Calcite 1.42 cannot type a list
 * ({@code UnsupportedOperationException}) when the operands before it are all NOT NULL (a literal, a
 * primary key). The list is typed as its first element (which is what Calcite infers when that element
 * is a column), so the inference goes on.
 */
final class PgValidator extends SqlValidatorImpl {
    PgValidator(SqlOperatorTable operators, SqlValidatorCatalogReader reader, RelDataTypeFactory typeFactory, Config config) {
        super(operators, reader, typeFactory, config);
    }

    @Override
    public RelDataType deriveType(SqlValidatorScope scope, SqlNode expr) {
        if (expr instanceof SqlNodeList list && !list.isEmpty()) {
            return super.deriveType(scope, list.get(0));
        }
        return super.deriveType(scope, expr);
    }
}
