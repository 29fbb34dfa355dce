package dev.trickle.streams.sql;

import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.apache.calcite.sql.validate.SqlDelegatingConformance;

/**
 * Babel's lenient conformance, minus what PostgreSQL does not allow: a select-list alias cannot be
 * referenced from the same select list or WHERE (Calcite's liberal mode would resolve it).
 */
final class PgConformance extends SqlDelegatingConformance {
    /** Non-strict GROUP BY: a column not grouped becomes ANY_VALUE (how a grouped primary key's table columns validate). */
    static final PgConformance INSTANCE = new PgConformance(true);
    /**
     * Strict GROUP BY, tried first: Calcite 1.42's non-strict check fails with a NullPointerException on a CASE
     * outside aggregates in a grouped select list (it visits the searched CASE's absent operand).
     */
    static final PgConformance STRICT_GROUP_BY = new PgConformance(false);

    private final boolean nonStrictGroupBy;

    private PgConformance(boolean nonStrictGroupBy) {
        super(SqlConformanceEnum.BABEL);
        this.nonStrictGroupBy = nonStrictGroupBy;
    }

    @Override
    public boolean isNonStrictGroupBy() {
        return nonStrictGroupBy;
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
