package dev.trickle.streams.sql;

import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.type.SqlTypeName;

/**
 * Calcite's type system widened towards PostgreSQL's: numeric up to 1000 digits, and string types of
 * different lengths unify to VARCHAR (PostgreSQL's text) instead of blank-padded CHAR.
 * Only validation uses these types; values are computed with PostgreSQL's own typing rules.
 */
final class PgTypeSystem extends RelDataTypeSystemImpl {
    static final PgTypeSystem INSTANCE = new PgTypeSystem();
    static final int MAX_NUMERIC = 1000;

    private PgTypeSystem() {
    }

    @Override
    public int getMaxPrecision(SqlTypeName typeName) {
        return typeName == SqlTypeName.DECIMAL ? MAX_NUMERIC : super.getMaxPrecision(typeName);
    }

    @Override
    public int getMaxScale(SqlTypeName typeName) {
        return typeName == SqlTypeName.DECIMAL ? MAX_NUMERIC : super.getMaxScale(typeName);
    }

    @Override
    public boolean shouldConvertRaggedUnionTypesToVarying() {
        return true;
    }
}
