package dev.trickle.streams.sql;

import dev.trickle.streams.rows.PgType;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.sql.type.SqlTypeName;

/** PostgreSQL types to Calcite types (for validation) and back (for literals and Calcite's implicit casts). */
public final class PgTypeMapping {
    private PgTypeMapping() {
    }

    /** The Calcite type used to validate a column of PostgreSQL type {@code t} (nullable). */
    static RelDataType toCalcite(PgType t, RelDataTypeFactory f) {
        RelDataType type = switch (t.kind()) {
            case INT2 -> f.createSqlType(SqlTypeName.SMALLINT);
            case INT4 -> f.createSqlType(SqlTypeName.INTEGER);
            case INT8 -> f.createSqlType(SqlTypeName.BIGINT);
            case NUMERIC -> t.precision() < 0
                    ? f.createSqlType(SqlTypeName.DECIMAL, PgTypeSystem.MAX_NUMERIC, 0)
                    : f.createSqlType(SqlTypeName.DECIMAL, t.precision(), Math.max(t.scale(), 0));
            case FLOAT4 -> f.createSqlType(SqlTypeName.REAL);
            case FLOAT8 -> f.createSqlType(SqlTypeName.DOUBLE);
            case BOOL -> f.createSqlType(SqlTypeName.BOOLEAN);
            case TEXT, OTHER -> f.createSqlType(SqlTypeName.VARCHAR);
            case VARCHAR -> t.precision() < 0 ? f.createSqlType(SqlTypeName.VARCHAR)
                    : f.createSqlType(SqlTypeName.VARCHAR, t.precision());
            case BPCHAR -> t.precision() < 0 ? f.createSqlType(SqlTypeName.CHAR)
                    : f.createSqlType(SqlTypeName.CHAR, t.precision());
            case DATE -> f.createSqlType(SqlTypeName.DATE);
            case TIMESTAMP -> f.createSqlType(SqlTypeName.TIMESTAMP, 6);
            case TIMESTAMPTZ -> f.createSqlType(SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE, 6);
        };
        return f.createTypeWithNullability(type, true);
    }

    /**
     * The PostgreSQL type (without modifier) for a Calcite type, or null when there is none
     * (intervals, times, binary, ...). Used for literals and for the targets of Calcite's implicit casts,
     * which PostgreSQL resolves without a modifier.
     */
    public static PgType fromCalcite(RelDataType type) {
        return switch (type.getSqlTypeName()) {
            case TINYINT, SMALLINT -> PgType.INT2;
            case INTEGER -> PgType.INT4;
            case BIGINT -> PgType.INT8;
            case DECIMAL -> PgType.NUMERIC;
            case REAL, FLOAT -> PgType.FLOAT4;
            case DOUBLE -> PgType.FLOAT8;
            case BOOLEAN -> PgType.BOOL;
            case CHAR, VARCHAR -> PgType.TEXT;
            case DATE -> PgType.DATE;
            case TIMESTAMP -> PgType.TIMESTAMP;
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE, TIMESTAMP_TZ -> PgType.TIMESTAMPTZ;
            default -> null;
        };
    }
}
