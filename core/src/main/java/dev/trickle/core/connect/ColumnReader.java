package dev.trickle.core.connect;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Reads one column's value, as any converter hands it back, into PostgreSQL's text output, from the column's
 * PostgreSQL type alone (from the catalog, never from the record's schema): a Struct field (schemas on, Avro),
 * or a value of a schemaless JsonConverter map, where integers are Longs, floats Doubles (NaN and infinities the
 * strings Jackson writes), bytes base64 strings, numerics PostgreSQL's text (decimal.handling.mode=string),
 * a Double or Long (precise with decimal.format=NUMERIC), or a VariableScaleDecimal map.
 */
final class ColumnReader {
    private static final HexFormat HEX = HexFormat.of();
    /** Any decimal with at most 15 significant digits survives a trip through a double (DBL_DIG). */
    private static final MathContext DOUBLE_DIGITS = new MathContext(15, RoundingMode.HALF_EVEN);

    private final String column;
    private final String pgType;
    private final ColumnKind kind;
    /** numeric(p,s): s and p; else 0 and -1. */
    private final int scale;
    private final int precision;

    ColumnReader(String column, String pgType) {
        this.column = column;
        this.pgType = pgType;
        this.kind = ColumnKind.of(pgType);
        this.scale = kind == ColumnKind.DECIMAL ? ColumnKind.scale(pgType) : 0;
        this.precision = kind == ColumnKind.DECIMAL ? ColumnKind.precision(pgType) : -1;
    }

    String column() {
        return column;
    }

    /** The PostgreSQL text of a value read back by a converter (null stays null). */
    String text(Object v) {
        if (v == null) {
            return null;
        }
        try {
            return switch (kind) {
                case INT16, INT32, INT64, STRING -> v instanceof String s ? s : v.toString();
                case FLOAT32 -> v instanceof String s ? PgFloatText.format((float) PgFloatText.parseDouble(s))
                        : PgFloatText.format(((Number) v).floatValue());
                case FLOAT64 -> v instanceof String s ? PgFloatText.format(PgFloatText.parseDouble(s))
                        : PgFloatText.format(((Number) v).doubleValue());
                case BOOLEAN -> v instanceof Boolean b ? (b ? "t" : "f")
                        : v.toString().equals("t") || v.toString().equals("true") ? "t" : "f";
                case DECIMAL, VARIABLE_DECIMAL -> numeric(v);
                case BYTES -> "\\x" + HEX.formatHex(v instanceof String s ? Base64.getDecoder().decode(s) : bytes(v));
                case DATE, TIMESTAMP, TIME, TIMESTAMPTZ, TIMETZ -> kind.toText(v);
            };
        } catch (RuntimeException e) {
            if (e instanceof DataException) {
                throw e;
            }
            throw new DataException("cannot read " + describe(v) + " as the " + pgType + " column \"" + column + "\": "
                    + e.getMessage(), e);
        }
    }

    private String numeric(Object v) {
        if (v instanceof String s) {
            if (!numericText(s)) {
                throw new DataException("the " + pgType + " column \"" + column + "\" holds \"" + abbreviate(s)
                        + "\", which is not a number: the writer used decimal.handling.mode=precise with a converter "
                        + "that does not carry schemas (a Decimal is then bytes without its scale); set "
                        + "decimal.handling.mode=string in the source connector and the streams app");
            }
            return s;
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Struct s) {
            return unscaled(ColumnKind.bytesOf(s.get("value")), s.getInt32("scale"));
        }
        if (v instanceof Map<?, ?> m) { // a VariableScaleDecimal read without its schema
            Object bytes = m.get("value");
            return unscaled(bytes instanceof String b64 ? Base64.getDecoder().decode(b64) : bytes(bytes),
                    ((Number) m.get("scale")).intValue());
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short) {
            BigDecimal d = BigDecimal.valueOf(((Number) v).longValue());
            return (kind == ColumnKind.DECIMAL ? d.setScale(scale) : d).toPlainString();
        }
        if (v instanceof Double d && kind == ColumnKind.DECIMAL && precision <= 15 && Double.isFinite(d)) {
            return new BigDecimal(d).round(DOUBLE_DIGITS).setScale(scale, RoundingMode.HALF_EVEN).toPlainString();
        }
        throw new DataException("the " + pgType + " column \"" + column + "\" arrived as " + describe(v) + ", which "
                + "cannot be read exactly (a double holds about 15 digits): set decimal.handling.mode=string in the "
                + "source connector and the streams app, or use a converter that carries schemas");
    }

    /** PostgreSQL's numeric output: [-]digits[.digits], NaN, Infinity, -Infinity (never an exponent). */
    static boolean numericText(String s) {
        int n = s.length();
        if (n == 0) {
            return false;
        }
        if (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity")) {
            return true;
        }
        int i = s.charAt(0) == '-' ? 1 : 0;
        boolean digits = false;
        boolean dot = false;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits = true;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                return false;
            }
        }
        return digits;
    }

    private static String unscaled(byte[] bytes, int scale) {
        return new BigDecimal(new BigInteger(bytes), scale).toPlainString();
    }

    private static byte[] bytes(Object v) {
        return ColumnKind.bytesOf(v);
    }

    private static String describe(Object v) {
        return "a " + v.getClass().getSimpleName() + " " + abbreviate(String.valueOf(v));
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
