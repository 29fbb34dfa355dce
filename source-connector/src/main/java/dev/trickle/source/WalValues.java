package dev.trickle.source;

import dev.trickle.core.connect.PgFloatText;
import dev.trickle.core.connect.PgTemporalText;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.postgresql.PGStatement;

/**
 * Turns the values of Debezium's change events back into PostgreSQL input text for the change buffer's typed
 * columns, so that a row captured from the WAL is the same value as the trigger's row of the same change. The
 * Debezium settings WAL capture uses ({@link DebeziumWal#properties}) keep every value exact: numerics and
 * intervals as text, times in microseconds, binary as bytes. The one type Debezium changes on the way is
 * {@code timetz} (it moves the time to UTC and drops the writer's offset, which PostgreSQL's equality keeps):
 * such a column is refused with a message that says what to do.
 */
final class WalValues {
    /** Debezium's stand-in for an unchanged TOAST value that the WAL's new row does not repeat. */
    static final String PLACEHOLDER = "__trickle_unchanged_toast__";
    private static final byte[] PLACEHOLDER_BYTES = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
    private static final int DATE_INFINITY = Math.toIntExact(java.time.LocalDate.parse("-5877611-06-21").toEpochDay());

    private WalValues() {
    }

    /** True when {@code v} stands for an unchanged TOAST value (the old row has it). */
    static boolean unchanged(Object v) {
        if (v instanceof String s) {
            return PLACEHOLDER.equals(s);
        } else if (v instanceof byte[] b) {
            return Arrays.equals(b, PLACEHOLDER_BYTES);
        } else if (v instanceof ByteBuffer b) {
            return b.equals(ByteBuffer.wrap(PLACEHOLDER_BYTES));
        } else if (v instanceof List<?> l) {
            return l.size() == 1 && unchanged(l.get(0)) || l.size() == PLACEHOLDER_BYTES.length && isPlaceholderCodes(l);
        } else if (v instanceof Map<?, ?> m) {
            return m.size() == 1 && PLACEHOLDER.equals(m.get(PLACEHOLDER));
        }
        return false;
    }

    private static boolean isPlaceholderCodes(List<?> l) {
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Number n) || n.longValue() != PLACEHOLDER_BYTES[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The input text of {@code v}, a value of {@code schema}, for a buffer column of type {@code type} (its
     * {@code pg_type.typname}: it tells bytea from the text of a type Debezium does not know, and bit from
     * boolean). Null for SQL NULL.
     */
    static String text(String column, String type, Schema schema, Object v) {
        if (v == null) {
            return null;
        }
        String name = schema.name();
        if (name != null) {
            String t = named(column, type, name, schema, v);
            if (t != null) {
                return t;
            }
        }
        return switch (schema.type()) {
            case FLOAT32 -> PgFloatText.format(((Number) v).floatValue());
            case FLOAT64 -> PgFloatText.format(((Number) v).doubleValue());
            case BOOLEAN -> type != null && type.contains("bit") ? ((Boolean) v ? "1" : "0") : v.toString();
            case BYTES -> bytes(type, v);
            case ARRAY -> array(column, schema.valueSchema(), (List<?>) v);
            case MAP -> hstore((Map<?, ?>) v);
            case STRUCT -> struct(column, (Struct) v);
            default -> v.toString();
        };
    }

    /** Values of Debezium's logical types; null for a name that needs no special handling. */
    private static String named(String column, String type, String name, Schema schema, Object v) {
        return switch (name) {
            case "io.debezium.time.Date" -> date(((Number) v).intValue());
            case "io.debezium.time.Time" -> PgTemporalText.formatTime(((Number) v).longValue() * 1_000L);
            case "io.debezium.time.MicroTime" -> PgTemporalText.formatTime(((Number) v).longValue());
            case "io.debezium.time.NanoTime" -> PgTemporalText.formatTime(((Number) v).longValue() / 1_000L);
            case "io.debezium.time.Timestamp" -> timestamp(((Number) v).longValue(), 1_000L);
            case "io.debezium.time.MicroTimestamp" -> timestamp(((Number) v).longValue(), 1L);
            case "io.debezium.time.NanoTimestamp" -> timestamp(((Number) v).longValue() / 1_000L, 1L);
            case "io.debezium.time.ZonedTime" -> throw new IllegalArgumentException("column " + column + " is a time "
                    + "with time zone, which WAL capture cannot keep exact (the log's reader moves it to UTC and drops the "
                    + "writer's offset): use timestamptz or time, or capture this table with triggers (cdc_mode => 'trigger')");
            case "io.debezium.time.ZonedTimestamp" -> zoned(column, (String) v);
            case "org.apache.kafka.connect.data.Decimal" -> ((BigDecimal) v).toPlainString();
            case "io.debezium.data.Bits" -> {
                if ("varbit".equals(type)) {
                    throw new IllegalArgumentException("column " + column + " is a bit varying, whose length the log's "
                            + "reader does not keep (B'101' and B'00000101' arrive alike): use bit(n), or capture this "
                            + "table with triggers (cdc_mode => 'trigger')");
                }
                yield bits(schema, v);
            }
            default -> null;
        };
    }

    /** Debezium's days for a date; it stands for infinity by the day -5877611-06-21 (and -infinity by the day after). */
    private static String date(int days) {
        if (days == DATE_INFINITY) {
            return "infinity";
        } else if (days == DATE_INFINITY + 1) {
            return "-infinity";
        }
        return PgTemporalText.formatDate(days);
    }

    /** A timestamp in {@code unit} microseconds; pgJDBC's infinity sentinels (in microseconds) as Debezium passes them. */
    private static String timestamp(long value, long unit) {
        if (value == PGStatement.DATE_POSITIVE_INFINITY / unit) {
            return "infinity";
        } else if (value == PGStatement.DATE_NEGATIVE_INFINITY / unit) {
            return "-infinity";
        }
        return PgTemporalText.formatTimestamp(Math.multiplyExact(value, unit));
    }

    /**
     * Debezium's ISO text of a timestamptz. In an array it writes both infinities as one sentinel instant (a year of
     * nine digits, which no real value has: PostgreSQL's last year is 294276), so that value cannot be told back.
     */
    private static String zoned(String column, String iso) {
        if (iso.length() > 11 && (iso.charAt(0) == '+' || iso.charAt(0) == '-') && iso.indexOf('-', 1) > 7) {
            throw new IllegalArgumentException("column " + column + " holds an infinite timestamptz in an array, "
                    + "which the log's reader writes alike for infinity and -infinity");
        }
        return iso;
    }

    private static String bytes(String type, Object v) {
        byte[] b = v instanceof ByteBuffer bb ? toArray(bb) : (byte[]) v;
        if (type == null || "bytea".equals(type)) {
            return "\\x" + HexFormat.of().formatHex(b);
        }
        // a type Debezium does not know (include.unknown.datatypes): the bytes of PostgreSQL's own text
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] toArray(ByteBuffer bb) {
        byte[] b = new byte[bb.remaining()];
        bb.duplicate().get(b);
        return b;
    }

    /** bit(n)/varbit: Debezium's bytes are a little-endian bit set, bit 0 being the string's last character. */
    private static String bits(Schema schema, Object v) {
        byte[] b = v instanceof ByteBuffer bb ? toArray(bb) : (byte[]) v;
        BitSet set = BitSet.valueOf(b);
        String length = schema.parameters() == null ? null : schema.parameters().get("length");
        int n = length != null ? Integer.parseInt(length) : Math.max(set.length(), 1);
        StringBuilder s = new StringBuilder(n);
        for (int i = n - 1; i >= 0; i--) {
            s.append(set.get(i) ? '1' : '0');
        }
        return s.toString();
    }

    /** An array literal: every element quoted, so any element text reads back as itself. */
    private static String array(String column, Schema element, List<?> values) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                s.append(',');
            }
            String t = text(column, null, element, values.get(i));
            if (t == null) {
                s.append("NULL");
            } else {
                quote(s, t);
            }
        }
        return s.append('}').toString();
    }

    private static String hstore(Map<?, ?> map) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (s.length() > 0) {
                s.append(", ");
            }
            quote(s, e.getKey().toString());
            s.append("=>");
            if (e.getValue() == null) {
                s.append("NULL");
            } else {
                quote(s, e.getValue().toString());
            }
        }
        return s.toString();
    }

    private static void quote(StringBuilder s, String t) {
        s.append('"');
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '"' || c == '\\') {
                s.append('\\');
            }
            s.append(c);
        }
        s.append('"');
    }

    /** Debezium's structs: a point ({@code x}, {@code y}) and a numeric of variable scale. */
    private static String struct(String column, Struct s) {
        String name = s.schema().name();
        if ("io.debezium.data.geometry.Point".equals(name)) {
            return "(" + PgFloatText.format(s.getFloat64("x")) + "," + PgFloatText.format(s.getFloat64("y")) + ")";
        } else if ("io.debezium.data.VariableScaleDecimal".equals(name)) {
            return new BigDecimal(new BigInteger(s.getBytes("value")), s.getInt32("scale")).toPlainString();
        }
        throw new IllegalArgumentException("column " + column + " has a value WAL capture cannot turn back into "
                + "PostgreSQL's text (" + name + "): capture this table with triggers (cdc_mode => 'trigger')");
    }
}
