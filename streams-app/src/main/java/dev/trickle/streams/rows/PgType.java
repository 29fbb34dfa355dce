package dev.trickle.streams.rows;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL type as the engine evaluates it: a kind plus the type modifier that matters
 * (numeric precision/scale, character length, timestamp precision); -1 means "none".
 * {@link Kind#OTHER} types (uuid, jsonb, arrays, domains, ...) can only be passed through unchanged.
 */
public record PgType(Kind kind, int precision, int scale, String otherName) {
    public enum Kind { INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8, BOOL, TEXT, VARCHAR, BPCHAR, DATE, TIMESTAMP, TIMESTAMPTZ, OTHER }

    public static final PgType INT2 = of(Kind.INT2);
    public static final PgType INT4 = of(Kind.INT4);
    public static final PgType INT8 = of(Kind.INT8);
    public static final PgType NUMERIC = of(Kind.NUMERIC);
    public static final PgType FLOAT4 = of(Kind.FLOAT4);
    public static final PgType FLOAT8 = of(Kind.FLOAT8);
    public static final PgType BOOL = of(Kind.BOOL);
    public static final PgType TEXT = of(Kind.TEXT);
    public static final PgType DATE = of(Kind.DATE);
    public static final PgType TIMESTAMP = of(Kind.TIMESTAMP);
    public static final PgType TIMESTAMPTZ = of(Kind.TIMESTAMPTZ);

    private static final Pattern MODIFIED = Pattern.compile("^([a-z ]+?)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\)(.*)$");

    public PgType {
        Objects.requireNonNull(kind, "kind");
    }

    public static PgType of(Kind kind) {
        return new PgType(kind, -1, -1, null);
    }

    public static PgType numeric(int precision, int scale) {
        return new PgType(Kind.NUMERIC, precision, scale, null);
    }

    public static PgType withLength(Kind kind, int length) {
        return new PgType(kind, length, -1, null);
    }

    public static PgType other(String name) {
        return new PgType(Kind.OTHER, -1, -1, name);
    }

    /** Parses the output of PostgreSQL's {@code format_type(atttypid, atttypmod)} (also accepts the short aliases). */
    public static PgType parse(String formatType) {
        String t = formatType.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("[]")) {
            return other(formatType);
        }
        Matcher m = MODIFIED.matcher(t);
        if (m.matches()) {
            int a = Integer.parseInt(m.group(2));
            int b = m.group(3) == null ? -1 : Integer.parseInt(m.group(3));
            String base = (m.group(1) + m.group(4)).trim();
            return switch (base) {
                case "numeric", "decimal" -> numeric(a, b < 0 ? 0 : b);
                case "character varying", "varchar" -> withLength(Kind.VARCHAR, a);
                case "character", "char", "bpchar" -> withLength(Kind.BPCHAR, a);
                case "timestamp without time zone", "timestamp" -> new PgType(Kind.TIMESTAMP, a, -1, null);
                case "timestamp with time zone", "timestamptz" -> new PgType(Kind.TIMESTAMPTZ, a, -1, null);
                default -> other(formatType);
            };
        }
        return switch (t) {
            case "smallint", "int2" -> INT2;
            case "integer", "int", "int4" -> INT4;
            case "bigint", "int8" -> INT8;
            case "numeric", "decimal" -> NUMERIC;
            case "real", "float4" -> FLOAT4;
            case "double precision", "float8", "float" -> FLOAT8;
            case "boolean", "bool" -> BOOL;
            case "text" -> TEXT;
            case "character varying", "varchar" -> of(Kind.VARCHAR);
            case "bpchar" -> of(Kind.BPCHAR);
            case "character", "char" -> withLength(Kind.BPCHAR, 1);
            case "date" -> DATE;
            case "timestamp without time zone", "timestamp" -> TIMESTAMP;
            case "timestamp with time zone", "timestamptz" -> TIMESTAMPTZ;
            default -> other(formatType);
        };
    }

    public boolean isInteger() {
        return kind == Kind.INT2 || kind == Kind.INT4 || kind == Kind.INT8;
    }

    public boolean isFloat() {
        return kind == Kind.FLOAT4 || kind == Kind.FLOAT8;
    }

    /** Integer, numeric or floating point: PostgreSQL's numeric type category. */
    public boolean isNumber() {
        return isInteger() || kind == Kind.NUMERIC || isFloat();
    }

    public boolean isString() {
        return kind == Kind.TEXT || kind == Kind.VARCHAR || kind == Kind.BPCHAR;
    }

    public boolean isDateTime() {
        return kind == Kind.DATE || kind == Kind.TIMESTAMP || kind == Kind.TIMESTAMPTZ;
    }

    /** The same type without its modifier (what PostgreSQL's implicit coercions produce). */
    public PgType base() {
        return kind == Kind.OTHER ? this : of(kind);
    }

    /** PostgreSQL's name of this type, as {@code format_type} spells it. */
    public String sqlName() {
        return switch (kind) {
            case INT2 -> "smallint";
            case INT4 -> "integer";
            case INT8 -> "bigint";
            case NUMERIC -> precision < 0 ? "numeric" : "numeric(" + precision + "," + scale + ")";
            case FLOAT4 -> "real";
            case FLOAT8 -> "double precision";
            case BOOL -> "boolean";
            case TEXT -> "text";
            case VARCHAR -> precision < 0 ? "character varying" : "character varying(" + precision + ")";
            case BPCHAR -> precision < 0 ? "bpchar" : "character(" + precision + ")";
            case DATE -> "date";
            case TIMESTAMP -> precision < 0 ? "timestamp without time zone" : "timestamp(" + precision + ") without time zone";
            case TIMESTAMPTZ -> precision < 0 ? "timestamp with time zone" : "timestamp(" + precision + ") with time zone";
            case OTHER -> otherName;
        };
    }

    @Override
    public String toString() {
        return sqlName();
    }
}
