package dev.trickle.streams.operators.topk;

import dev.trickle.streams.operators.expr.PgValues;
import dev.trickle.streams.operators.expr.Timestamptz;
import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.PgType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Order-preserving keys: the encodings of two rows' ORDER BY values compare (as strings) the way
 * PostgreSQL orders the rows, so a store kept in key order is a sorted index and its head is the top of
 * the order. Equal values under PostgreSQL's ordering get equal encodings (numeric 1.0 and 1.00, float
 * -0 and 0, char(n) with and without trailing blanks), so peers can be recognized by their keys.
 *
 * <p>Each value is written as bytes (a NULL marker, then a prefix-free, order-preserving form of the value;
 * DESC complements the value's bytes, which reverses the order of a prefix-free code), and each byte as one
 * char below U+D800: UTF-16 order, code point order and the UTF-8 byte order of Kafka's stores then agree.
 * Text is ordered by code point (the translator refuses other collations). Rows whose keys are equal are
 * ordered by {@link #tieKey}: their column texts, left to right, by code point, NULL last.
 */
public final class OrderKeyCodec {
    private static final int CHAR_BASE = 0x30;

    private final List<SortKey> keys;

    public OrderKeyCodec(List<SortKey> keys) {
        for (SortKey k : keys) {
            if (k.type().kind() == PgType.Kind.OTHER) {
                throw new IllegalArgumentException("no order for type " + k.type().sqlName());
            }
        }
        this.keys = List.copyOf(keys);
    }

    public List<SortKey> keys() {
        return keys;
    }

    /** The order key of {@code row}'s ORDER BY values. */
    public String encode(List<String> row) throws EvaluationException {
        StringBuilder b = new StringBuilder();
        for (SortKey k : keys) {
            String v = row.get(k.column());
            if (v == null) {
                // NULLs are peers of each other, and first or last whatever the direction
                b.append(chr(k.nullsFirst() ? 0 : 2));
            } else {
                b.append(chr(1));
                value(new Sink(b, k.descending()), v, k.type());
            }
        }
        return b.toString();
    }

    /** Orders rows with equal order keys: injective on rows of text values, and order-preserving by code point. */
    public static String tieKey(List<String> row) {
        StringBuilder b = new StringBuilder();
        for (String v : row) {
            if (v == null) {
                b.append(chr(2));
            } else {
                b.append(chr(1));
                text(new Sink(b, false), v);
            }
        }
        return b.toString();
    }

    private static char chr(int b) {
        return (char) (CHAR_BASE + b);
    }

    /** Appends bytes as chars, complemented for a descending key. */
    private record Sink(StringBuilder b, boolean complement) {
        void put(int value) {
            b.append(chr(complement ? 0xFF - (value & 0xFF) : value & 0xFF));
        }

        void putLong(long v) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                put((int) (v >>> shift));
            }
        }

        void putInt(int v) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                put(v >>> shift);
            }
        }
    }

    private static void value(Sink out, String text, PgType type) throws EvaluationException {
        switch (type.kind()) {
            case TEXT, VARCHAR -> text(out, text);
            case BPCHAR -> text(out, PgValues.rtrimSpaces(text));
            case NUMERIC -> numeric(out, text.trim());
            case BOOL -> out.put(PgValues.parseBoolean(text) ? 1 : 0);
            case INT2, INT4, INT8 -> out.putLong(PgValues.parseInteger(text, type) ^ Long.MIN_VALUE);
            case FLOAT4, FLOAT8 -> floating(out, ((Number) PgValues.parse(text, type)).doubleValue());
            case DATE -> out.putLong(((LocalDate) PgValues.parse(text, type)).toEpochDay() ^ Long.MIN_VALUE);
            case TIMESTAMP -> {
                LocalDateTime t = (LocalDateTime) PgValues.parse(text, type);
                out.putLong(t.toEpochSecond(ZoneOffset.UTC) ^ Long.MIN_VALUE);
                out.putInt(t.getNano());
            }
            case TIMESTAMPTZ -> {
                Timestamptz t = (Timestamptz) PgValues.parse(text, type);
                out.putLong(t.instant().getEpochSecond() ^ Long.MIN_VALUE);
                out.putInt(t.instant().getNano());
            }
            case OTHER -> throw new IllegalStateException("no order for type " + type.sqlName());
        }
    }

    /** UTF-8 orders by code point; bytes 0 and 1 are escaped so that 0 can end the value (prefix-free). */
    private static void text(Sink out, String s) {
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int u = x & 0xFF;
            if (u <= 1) {
                out.put(1);
                out.put(u + 1);
            } else {
                out.put(u);
            }
        }
        out.put(0);
    }

    /** IEEE bits made unsigned-comparable; -0 is 0 and every NaN one NaN, above Infinity as PostgreSQL sorts it. */
    private static void floating(Sink out, double d) {
        double v = Double.isNaN(d) ? Double.NaN : d == 0.0 ? 0.0 : d;
        long bits = Double.doubleToLongBits(v);
        out.putLong(bits < 0 ? ~bits : bits ^ Long.MIN_VALUE);
    }

    /**
     * numeric: a class byte (-Infinity, negative, zero, positive, Infinity, NaN: PostgreSQL's order), then for
     * a number its decimal exponent and digits (0.d1d2... × 10^e, trailing zeros stripped, so 1.0 = 1.00),
     * complemented for negatives so that larger magnitudes sort first.
     */
    private static void numeric(Sink out, String text) throws EvaluationException {
        switch (text) {
            case "NaN" -> out.put(6);
            case "Infinity" -> out.put(5);
            case "-Infinity" -> out.put(1);
            default -> {
                BigDecimal d = PgValues.parseNumeric(text);
                if (d.signum() == 0) {
                    out.put(3);
                    return;
                }
                out.put(d.signum() > 0 ? 4 : 2);
                Sink body = d.signum() > 0 ? out : new Sink(out.b(), !out.complement());
                BigDecimal m = d.abs().stripTrailingZeros();
                String digits = m.unscaledValue().toString();
                body.putInt((digits.length() - m.scale()) ^ Integer.MIN_VALUE);
                for (int i = 0; i < digits.length(); i++) {
                    body.put(digits.charAt(i) - '0' + 1);
                }
                body.put(0);
            }
        }
    }
}
