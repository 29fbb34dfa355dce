package dev.trickle.streams.sql;

import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlDelegatingConformance;

/**
 * Babel's lenient conformance, minus what PostgreSQL does not allow: a select-list alias cannot be
 * referenced from the same select list or WHERE (Calcite's liberal mode would resolve it).
 */
final class PgConformance extends SqlDelegatingConformance {
    static final PgConformance INSTANCE = new PgConformance();

    private PgConformance() {
        super(SqlConformanceEnum.BABEL);
    }

    @Override
    public boolean isLiberal() {
        return false;
    }

    @Override
    public SelectAliasLookup isSelectAlias() {
        return SelectAliasLookup.UNSUPPORTED;
    }

    @Override
    public boolean isFromRequired() {
        return false;
    }

    @Override
    public boolean isPercentRemainderAllowed() {
        return true;
    }

    @Override
    public boolean isBangEqualAllowed() {
        return true;
    }

    @Override
    public boolean shouldConvertRaggedUnionTypesToVarying() {
        return true;
    }
}
