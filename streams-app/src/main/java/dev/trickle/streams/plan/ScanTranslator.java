package dev.trickle.streams.plan;

import dev.trickle.streams.operators.SourceScan;
import dev.trickle.streams.operators.expr.PgType;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceRelTable;
import dev.trickle.streams.sql.SourceTable;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.rel.core.TableScan;

/** A scan of a source table: the entry point of that source's delta, typed and collated as its PostgreSQL columns. */
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
}
