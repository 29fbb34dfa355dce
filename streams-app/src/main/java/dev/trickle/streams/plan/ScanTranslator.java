package dev.trickle.streams.plan;

import dev.trickle.streams.operators.EmptyRelation;
import dev.trickle.streams.operators.SourceScan;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.PgTypeMapping;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceRelTable;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.type.RelDataTypeField;

/**
 * A scan of a source table: the entry point of that source's delta, typed and collated as its PostgreSQL
 * columns; and an empty VALUES, which Calcite puts where an input's condition is always false.
 */
final class ScanTranslator {
    private ScanTranslator() {
    }

    static RelTranslator.Translation translate(TableScan scan) throws UnsupportedQueryException {
        SourceRelTable table = scan.getTable().unwrap(SourceRelTable.class);
        if (table == null) {
            throw new UnsupportedQueryException("table " + scan.getTable().getQualifiedName());
        }
        SourceTable source = table.source();
        List<String> names = new ArrayList<>();
        List<PgType> types = new ArrayList<>();
        List<DerivedCollation> collations = new ArrayList<>();
        for (SourceColumn c : source.columns()) {
            PgType type = PgType.parse(c.pgType());
            names.add(c.name());
            types.add(type);
            collations.add(type.isString() ? DerivedCollation.column(c.collation(), c.deterministicCollation()) : DerivedCollation.NONE);
        }
        return new RelTranslator.Translation(new PipelineNode.Scan(new SourceScan(source.qualifiedName(), names)), types,
                collations);
    }

    /** An empty VALUES: a relation without rows (its types only type the expressions above it, which see no rows). */
    static RelTranslator.Translation empty(Values values) {
        List<PgType> types = new ArrayList<>();
        List<DerivedCollation> collations = new ArrayList<>();
        for (RelDataTypeField f : values.getRowType().getFieldList()) {
            PgType type = PgTypeMapping.fromCalcite(f.getType());
            types.add(type == null ? PgType.TEXT : type);
            collations.add(type == null || type.isString() ? DerivedCollation.DEFAULT : DerivedCollation.NONE);
        }
        return new RelTranslator.Translation(new PipelineNode.Op(new EmptyRelation(), List.of()), types, collations);
    }
}
