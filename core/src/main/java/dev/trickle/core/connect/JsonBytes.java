package dev.trickle.core.connect;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * JSON text as Jackson's generator writes it with its default settings (the generator behind Kafka's
 * {@code JsonConverter} and an {@code ObjectMapper}), written straight into UTF-8 bytes: no generator, no write
 * contexts and no buffer recycling per record, which cost more than the bytes themselves (docs/benchmarks.md,
 * session 14). Strings escape {@code "}, {@code \} and the control characters as Jackson does ({@code \b \t \n \f
 * \r}, otherwise a six-character escape, backslash u00XX, in upper case), escape every surrogate the same way,
 * and keep everything else as UTF-8. JsonBytesTest compares both on every character.
 */
public final class JsonBytes {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Per ASCII character: 0 as is, a letter for its short escape, -1 for the six-character escape. */
    private static final int[] ESCAPES = new int[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPES[c] = -1;
        }
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
    }

    private byte[] buf;
    private int len;

    JsonBytes(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    void write(byte b) {
        if (len == buf.length) {
            grow(1);
        }
        buf[len++] = b;
    }

    void write(byte[] bytes) {
        if (len + bytes.length > buf.length) {
            grow(bytes.length);
        }
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    /** Characters known to be ASCII (a number's digits, a literal). */
    void ascii(String s) {
        int n = s.length();
        if (len + n > buf.length) {
            grow(n);
        }
        for (int i = 0; i < n; i++) {
            buf[len++] = (byte) s.charAt(i);
        }
    }

    void number(long v) {
        ascii(Long.toString(v));
    }

    /** A float as Jackson writes it: Float.toString, NaN and the infinities as JSON strings. */
    void number(float v) {
        if (Float.isFinite(v)) {
            ascii(Float.toString(v));
        } else {
            write((byte) '"');
            ascii(Float.toString(v));
            write((byte) '"');
        }
    }

    /** A double as Jackson writes it: Double.toString, NaN and the infinities as JSON strings. */
    void number(double v) {
        if (Double.isFinite(v)) {
            ascii(Double.toString(v));
        } else {
            write((byte) '"');
            ascii(Double.toString(v));
            write((byte) '"');
        }
    }

    /**
     * {@code s} as a quoted JSON string. Surrogates, paired or not, are escaped one by one as Jackson's UTF-8
     * generator escapes them (it does not combine pairs into one UTF-8 sequence by default).
     */
    void string(String s) {
        int n = s.length();
        // at most 6 bytes per char (an escape)
        if (len + 6 * n + 2 > buf.length) {
            grow(6 * n + 2);
        }
        byte[] b = buf;
        int at = len;
        b[at++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                int e = ESCAPES[c];
                if (e == 0) {
                    b[at++] = (byte) c;
                } else if (e > 0) {
                    b[at++] = '\\';
                    b[at++] = (byte) e;
                } else {
                    at = escape(b, at, c);
                }
            } else if (c < 0x800) {
                b[at++] = (byte) (0xC0 | (c >> 6));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                b[at++] = (byte) (0xE0 | (c >> 12));
                b[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            } else {
                at = escape(b, at, c);
            }
        }
        b[at++] = '"';
        len = at;
    }

    /** The six-character escape of {@code c}, upper-case hex, at {@code at}; returns the position after it. */
    private static int escape(byte[] b, int at, char c) {
        b[at] = '\\';
        b[at + 1] = 'u';
        b[at + 2] = HEX[c >> 12];
        b[at + 3] = HEX[(c >> 8) & 0xF];
        b[at + 4] = HEX[(c >> 4) & 0xF];
        b[at + 5] = HEX[c & 0xF];
        return at + 6;
    }

    /**
     * A JSON array of strings and nulls as an {@code ObjectMapper} writes a {@code List<String>} as a String (its
     * character generator escapes only what is below U+0080, as the UTF-8 one does, and keeps every other char).
     */
    public static String stringArray(List<String> values) {
        StringBuilder out = new StringBuilder(16 * values.size() + 2).append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String v = values.get(i);
            if (v == null) {
                out.append("null");
                continue;
            }
            out.append('"');
            for (int k = 0; k < v.length(); k++) {
                char c = v.charAt(k);
                int e = c < 0x80 ? ESCAPES[c] : 0;
                if (e == 0) {
                    out.append(c);
                } else if (e > 0) {
                    out.append('\\').append((char) e);
                } else {
                    out.append("\\u00").append((char) HEX[c >> 4]).append((char) HEX[c & 0xF]);
                }
            }
            out.append('"');
        }
        return out.append(']').toString();
    }

    private void grow(int more) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
}
