package dev.trickle.core.connect;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * How one PostgreSQL column travels in a Connect record, as Debezium maps it (decimal.handling.mode=precise,
 * time.precision.mode=adaptive with every timestamp in microseconds): the field's schema, and the
 * conversion of PostgreSQL's text output to the Connect value and back, which is the identity.
 */
public enum ColumnKind {
    INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, DECIMAL, VARIABLE_DECIMAL, STRING, BYTES,
    DATE, TIMESTAMP, TIMESTAMPTZ, TIME, TIMETZ;

    /** Every field schema carries the column's {@code format_type()} under this parameter. */
    public static final String PG_TYPE = "trickle.pg.type";
    public static final String VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal";
    static final String DEBEZIUM_DATE = "io.debezium.time.Date";
    static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    static final String ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    static final String MICRO_TIME = "io.debezium.time.MicroTime";
    static final String ZONED_TIME = "io.debezium.time.ZonedTime";
    static final String JSON = "io.debezium.data.Json";
    static final String UUID = "io.debezium.data.Uuid";
    private static final HexFormat HEX = HexFormat.of();

    /** The kind of a column of type {@code pgType}, as {@code format_type()} spells it (e.g. {@code numeric(10,2)}). */
    public static ColumnKind of(String pgType) {
        String t = base(pgType);
        if (pgType.endsWith("[]")) {
            return STRING;
        }
        return switch (t) {
            case "smallint", "int2" -> INT16;
            case "integer", "int4", "int" -> INT32;
            case "bigint", "int8", "oid" -> INT64;
            case "real", "float4" -> FLOAT32;
            case "double precision", "float8" -> FLOAT64;
            case "boolean", "bool" -> BOOLEAN;
            case "numeric", "decimal" -> pgType.indexOf('(') > 0 ? DECIMAL : VARIABLE_DECIMAL;
            case "bytea" -> BYTES;
            case "date" -> DATE;
            case "timestamp", "timestamp without time zone" -> TIMESTAMP;
            case "timestamptz", "timestamp with time zone" -> TIMESTAMPTZ;
            case "time", "time without time zone" -> TIME;
            case "timetz", "time with time zone" -> TIMETZ;
            default -> STRING;
        };
    }

    /**
     * The kind a column of type {@code pgType} is written as under {@code decimals}: with
     * {@link DecimalHandling#STRING}, numerics are STRING fields holding PostgreSQL's text.
     */
    public static ColumnKind of(String pgType, DecimalHandling decimals) {
        ColumnKind k = of(pgType);
        return decimals == DecimalHandling.STRING && (k == DECIMAL || k == VARIABLE_DECIMAL) ? STRING : k;
    }

    /** The Connect schema of an optional field of this kind for a column of type {@code pgType}. */
    public Schema schema(String pgType) {
        SchemaBuilder b = switch (this) {
            case INT16 -> SchemaBuilder.int16();
            case INT32 -> SchemaBuilder.int32();
            case INT64 -> SchemaBuilder.int64();
            case FLOAT32 -> SchemaBuilder.float32();
            case FLOAT64 -> SchemaBuilder.float64();
            case BOOLEAN -> SchemaBuilder.bool();
            case DECIMAL -> Decimal.builder(scale(pgType)).parameter("connect.decimal.precision",
                    Integer.toString(precision(pgType)));
            case VARIABLE_DECIMAL -> SchemaBuilder.struct().name(VARIABLE_SCALE_DECIMAL).version(1)
                    .doc("Variable scaled decimal").field("scale", Schema.INT32_SCHEMA).field("value", Schema.BYTES_SCHEMA);
            case BYTES -> SchemaBuilder.bytes();
            case DATE -> SchemaBuilder.int32().name(DEBEZIUM_DATE).version(1);
            case TIMESTAMP -> SchemaBuilder.int64().name(MICRO_TIMESTAMP).version(1);
            case TIMESTAMPTZ -> SchemaBuilder.string().name(ZONED_TIMESTAMP).version(1);
            case TIME -> SchemaBuilder.int64().name(MICRO_TIME).version(1);
            case TIMETZ -> SchemaBuilder.string().name(ZONED_TIME).version(1);
            case STRING -> stringSchema(base(pgType));
        };
        return b.optional().parameter(PG_TYPE, pgType).build();
    }

    private static SchemaBuilder stringSchema(String base) {
        return switch (base) {
            case "json", "jsonb" -> SchemaBuilder.string().name(JSON).version(1);
            case "uuid" -> SchemaBuilder.string().name(UUID).version(1);
            default -> SchemaBuilder.string();
        };
    }

    /** The kind a field schema (one this class made, or the same read back by a converter) carries. */
    public static ColumnKind ofSchema(Schema schema) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case Decimal.LOGICAL_NAME: return DECIMAL;
                case VARIABLE_SCALE_DECIMAL: return VARIABLE_DECIMAL;
                case DEBEZIUM_DATE: return DATE;
                case MICRO_TIMESTAMP: return TIMESTAMP;
                case ZONED_TIMESTAMP: return TIMESTAMPTZ;
                case MICRO_TIME: return TIME;
                case ZONED_TIME: return TIMETZ;
                default: break;
            }
        }
        return switch (schema.type()) {
            case INT8, INT16 -> INT16;
            case INT32 -> INT32;
            case INT64 -> INT64;
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> FLOAT64;
            case BOOLEAN -> BOOLEAN;
            case BYTES -> BYTES;
            case STRING -> STRING;
            default -> throw new DataException("a row field of type " + schema.type() + " is not one Trickle writes");
        };
    }

    /** PostgreSQL's text output of a value of this kind → its Connect value (null stays null). */
    public Object toConnect(String text, Schema schema) {
        if (text == null) {
            return null;
        }
        try {
            return switch (this) {
                case INT16 -> Short.parseShort(text);
                case INT32 -> Integer.parseInt(text);
                case INT64 -> Long.parseLong(text);
                case FLOAT32 -> (float) PgFloatText.parseDouble(text);
                case FLOAT64 -> PgFloatText.parseDouble(text);
                case BOOLEAN -> text.equals("t") || text.equals("true");
                case DECIMAL -> decimal(text).setScale(Integer.parseInt(schema.parameters().get(Decimal.SCALE_FIELD)));
                case VARIABLE_DECIMAL -> variableDecimal(decimal(text), schema);
                case BYTES -> bytes(text);
                case DATE -> PgTemporalText.parseDate(text);
                case TIMESTAMP -> PgTemporalText.parseTimestamp(text);
                case TIMESTAMPTZ -> PgTemporalText.timestamptzToIso(text);
                case TIME -> PgTemporalText.parseTime(text);
                case TIMETZ -> PgTemporalText.timetzToIso(text);
                case STRING -> text;
            };
        } catch (RuntimeException e) {
            if (e instanceof DataException) {
                throw e;
            }
            throw new DataException("cannot carry the " + this + " value \"" + abbreviate(text) + "\" of a "
                    + schema.parameters().get(PG_TYPE) + " column: " + e.getMessage(), e);
        }
    }

    /** A Connect value of this kind → PostgreSQL's text output of it (null stays null). */
    public String toText(Object value) {
        if (value == null) {
            return null;
        }
        return switch (this) {
            case INT16, INT32, INT64 -> value.toString();
            case FLOAT32 -> PgFloatText.format(((Number) value).floatValue());
            case FLOAT64 -> PgFloatText.format(((Number) value).doubleValue());
            case BOOLEAN -> (Boolean) value ? "t" : "f";
            case DECIMAL -> ((BigDecimal) value).toPlainString();
            case VARIABLE_DECIMAL -> {
                Struct s = (Struct) value;
                yield new BigDecimal(new BigInteger(bytesOf(s.get("value"))), s.getInt32("scale")).toPlainString();
            }
            case BYTES -> "\\x" + HEX.formatHex(bytesOf(value));
            case DATE -> PgTemporalText.formatDate(((Number) value).intValue());
            case TIMESTAMP -> PgTemporalText.formatTimestamp(((Number) value).longValue());
            case TIMESTAMPTZ -> PgTemporalText.isoToTimestamptz((String) value);
            case TIME -> PgTemporalText.formatTime(((Number) value).longValue());
            case TIMETZ -> PgTemporalText.isoToTimetz((String) value);
            case STRING -> (String) value;
        };
    }

    private static BigDecimal decimal(String text) {
        if (text.equals("NaN") || text.endsWith("Infinity")) {
            throw new DataException("numeric " + text + " has no Connect Decimal form "
                    + "(decimal.handling.mode=precise); set decimal.handling.mode=string in the source connector and "
                    + "the streams app, which carries numerics as PostgreSQL's text, NaN and Infinity included");
        }
        return new BigDecimal(text);
    }

    private static Struct variableDecimal(BigDecimal d, Schema schema) {
        return new Struct(schema).put("scale", d.scale()).put("value", d.unscaledValue().toByteArray());
    }

    private static byte[] bytes(String text) {
        if (!text.startsWith("\\x")) {
            throw new DataException("bytea text not in hex form (bytea_output must be hex): " + abbreviate(text));
        }
        return HEX.parseHex(text, 2, text.length());
    }

    static byte[] bytesOf(Object value) {
        if (value instanceof ByteBuffer buffer) {
            byte[] b = new byte[buffer.remaining()];
            buffer.duplicate().get(b);
            return b;
        }
        return (byte[]) value;
    }

    /** The type name without modifiers: {@code numeric(10,2)} → numeric, {@code timestamp(3) with time zone} → timestamp with time zone. */
    static String base(String pgType) {
        String t = pgType.toLowerCase(Locale.ROOT).replaceAll("\\(\\d+(,\\s*-?\\d+)?\\)", "").replace("[]", "").trim();
        return t.replaceAll("\\s+", " ");
    }

    static int precision(String pgType) {
        String inner = pgType.substring(pgType.indexOf('(') + 1, pgType.indexOf(')'));
        return Integer.parseInt(inner.split(",")[0].trim());
    }

    static int scale(String pgType) {
        String inner = pgType.substring(pgType.indexOf('(') + 1, pgType.indexOf(')'));
        String[] parts = inner.split(",");
        return parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 0;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
