package dev.trickle.streams.sql;

import dev.trickle.streams.rows.PgType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.AbstractTable;

/** A source table as Calcite sees it: columns typed from their PostgreSQL types. */
public final class SourceRelTable extends AbstractTable {
    private final SourceTable source;

    SourceRelTable(SourceTable source) {
        this.source = source;
    }

    public SourceTable source() {
        return source;
    }

    @Override
    public RelDataType getRowType(RelDataTypeFactory typeFactory) {
        RelDataTypeFactory.Builder b = typeFactory.builder();
        for (SourceColumn c : source.columns()) {
            b.add(c.name(), PgTypeMapping.toCalcite(PgType.parse(c.pgType()), typeFactory));
        }
        return b.build();
    }
}
