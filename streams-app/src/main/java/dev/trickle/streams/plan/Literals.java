package dev.trickle.streams.plan;

import dev.trickle.streams.plan.TypedExpr.Origin;
import dev.trickle.streams.rows.PgType;
import dev.trickle.streams.sql.PgTypeMapping;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimestampString;

/** Literals typed the way PostgreSQL types them (not the way Calcite does). */
final class Literals {
    private static final BigDecimal INT4_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT4_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final BigDecimal INT8_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal INT8_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private Literals() {
    }

    static TypedExpr translate(RexLiteral literal) throws UnsupportedQueryException {
        if (literal.isNull()) {
            PgType t = PgTypeMapping.fromCalcite(literal.getType());
            return TypedExpr.constant(null, t == null ? PgType.TEXT : t, Origin.NULL_LITERAL);
        }
        switch (literal.getType().getSqlTypeName()) {
            case CHAR, VARCHAR:
                // a quoted literal has type "unknown" in PostgreSQL: text unless the context says otherwise
                return TypedExpr.constant(literal.getValueAs(String.class), PgType.TEXT, Origin.UNKNOWN_LITERAL);
            case TINYINT, SMALLINT, INTEGER, BIGINT, DECIMAL:
                return number(literal.getValueAs(BigDecimal.class), false);
            case REAL, FLOAT, DOUBLE:
                // PostgreSQL reads 1.5e3 as numeric, not as double precision
                return number(literal.getValueAs(BigDecimal.class), true);
            case BOOLEAN:
                return TypedExpr.constant(literal.getValueAs(Boolean.class), PgType.BOOL, Origin.LITERAL);
            case DATE:
                LocalDate d = LocalDate.parse(literal.getValueAs(DateString.class).toString());
                return TypedExpr.constant(d, PgType.DATE, Origin.LITERAL);
            case TIMESTAMP:
                String ts = literal.getValueAs(TimestampString.class).toString();
                LocalDateTime t = LocalDateTime.parse(ts.replace(' ', 'T'), DateTimeFormatter.ISO_LOCAL_DATE_TIME);
                return TypedExpr.constant(t, PgType.TIMESTAMP, Origin.LITERAL);
            default:
                throw new UnsupportedQueryException(literal.getType().getSqlTypeName().getName().toLowerCase() + " literal");
        }
    }

    /** integer if it fits, else bigint, else numeric; anything with a decimal point or exponent is numeric. */
    private static TypedExpr number(BigDecimal v, boolean approximate) {
        boolean integral = !approximate && v.scale() <= 0;
        if (integral && v.compareTo(INT4_MIN) >= 0 && v.compareTo(INT4_MAX) <= 0) {
            return TypedExpr.constant(v.longValueExact(), PgType.INT4, Origin.LITERAL);
        }
        if (integral && v.compareTo(INT8_MIN) >= 0 && v.compareTo(INT8_MAX) <= 0) {
            return TypedExpr.constant(v.longValueExact(), PgType.INT8, Origin.LITERAL);
        }
        BigDecimal n = v.scale() < 0 ? v.setScale(0) : v;
        return TypedExpr.constant(n, PgType.NUMERIC, Origin.LITERAL);
    }
}
