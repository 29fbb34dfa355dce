package dev.trickle.streams.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlTypeNameSpec;
import org.apache.calcite.sql.fun.SqlLibraryOperators;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql2rel.SqlRexContext;
import org.apache.calcite.sql2rel.SqlRexConvertlet;
import org.apache.calcite.sql2rel.SqlRexConvertletTable;
import org.apache.calcite.sql2rel.StandardConvertletTable;

/**
 * Calcite's standard conversion to row expressions, except where it would change PostgreSQL's values:
 * <ul>
 * <li>casts are never folded into literals (Calcite rounds {@code CAST(2.5 AS INTEGER)} its own way and
 *     re-scales numeric literals); a cast the user wrote becomes {@code PG_CAST(x, 'pg type')} so the
 *     engine can apply PostgreSQL's cast with the exact type modifier, while the casts Calcite's type
 *     coercion inserted stay plain CASTs, which the engine treats as PostgreSQL's implicit coercions
 *     (user casts all arrive as {@code ::}: {@link PgRewrites} rewrites {@code CAST(x AS t)} before
 *     validation, because Calcite's coercion inserts CAST calls indistinguishable from the user's);</li>
 * <li>GREATEST, LEAST, COALESCE, NULLIF and SQRT stay single calls (Calcite expands them into CASE
 *     or POWER with its own null rules and types), and so do PostgreSQL's date and time operators;</li>
 * <li>casts Calcite's coercion inserted after validation (set operations, IN subqueries) take the type
 *     their data type spec names.</li>
 * </ul>
 */
final class PgConvertletTable implements SqlRexConvertletTable {
    static final PgConvertletTable INSTANCE = new PgConvertletTable();

    private PgConvertletTable() {
    }

    @Override
    public SqlRexConvertlet get(SqlCall call) {
        if (call.getOperator().getKind() == SqlKind.CAST && call.operandCount() == 2
                && call.operand(1) instanceof SqlDataTypeSpec) {
            return PgConvertletTable::convertCast;
        }
        if (PgOperatorTable.INSTANCE.isOwn(call.getOperator()) || call.getOperator() == PgDateTimeOperators.PLUS
                || call.getOperator() == PgDateTimeOperators.MINUS) {
            return PgConvertletTable::convertPlain;
        }
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "GREATEST", "LEAST", "COALESCE", "NULLIF", "SQRT" -> PgConvertletTable::convertPlain;
            default -> StandardConvertletTable.INSTANCE.get(call);
        };
    }

    private static RexNode convertPlain(SqlRexContext cx, SqlCall call) {
        List<RexNode> operands = new ArrayList<>();
        for (SqlNode operand : call.getOperandList()) {
            operands.add(cx.convertExpression(operand));
        }
        RelDataType type = cx.getValidator().getValidatedNodeType(call);
        return cx.getRexBuilder().makeCall(type, call.getOperator(), operands);
    }

    private static RexNode convertCast(SqlRexContext cx, SqlCall call) {
        RexBuilder rex = cx.getRexBuilder();
        RexNode value = cx.convertExpression(call.operand(0));
        SqlDataTypeSpec spec = call.operand(1);
        if (call.getOperator() != SqlLibraryOperators.INFIX_CAST) {
            // a cast Calcite's coercion inserted (set operations, IN subqueries) after validation has no
            // validated type: its type is the spec's, as nullable as the value
            RelDataType target = spec.deriveType(cx.getValidator());
            RelDataType type = cx.getTypeFactory().createTypeWithNullability(target, value.getType().isNullable());
            return rex.makeAbstractCast(type, value, false);
        }
        RelDataType type = cx.getValidator().getValidatedNodeType(call);
        RexNode target = rex.makeLiteral(pgTypeName(spec));
        return rex.makeCall(type, PgOperatorTable.PG_CAST, List.of(value, target));
    }

    /** The PostgreSQL spelling of a cast's target type, with the modifier exactly as written. */
    static String pgTypeName(SqlDataTypeSpec spec) {
        SqlTypeNameSpec name = spec.getTypeNameSpec();
        if (!(name instanceof SqlBasicTypeNameSpec basic)) {
            return spec.getTypeName().getSimple();
        }
        SqlTypeName type = SqlTypeName.get(basic.getTypeName().getSimple());
        int p = basic.getPrecision();
        int s = basic.getScale();
        if (type == null) {
            return basic.getTypeName().getSimple().toLowerCase(Locale.ROOT);
        }
        return switch (type) {
            case SMALLINT, TINYINT -> "smallint";
            case INTEGER -> "integer";
            case BIGINT -> "bigint";
            case DECIMAL -> p < 0 ? "numeric" : "numeric(" + p + "," + Math.max(s, 0) + ")";
            case REAL -> "real";
            case FLOAT -> p >= 0 && p <= 24 ? "real" : "double precision";
            case DOUBLE -> "double precision";
            case BOOLEAN -> "boolean";
            case VARCHAR -> p < 0 ? "character varying" : "character varying(" + p + ")";
            // PostgreSQL: CHAR without a length is char(1)
            case CHAR -> "character(" + Math.max(p, 1) + ")";
            case DATE -> "date";
            case TIMESTAMP -> p < 0 ? "timestamp without time zone" : "timestamp(" + p + ") without time zone";
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE, TIMESTAMP_TZ -> "timestamp with time zone";
            default -> type.getName().toLowerCase(Locale.ROOT);
        };
    }
}
