package dev.trickle.core.connect;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a record value as Kafka's {@code JsonConverter} with {@code schemas.enable=false} reads it, into the same
 * Java values, without Jackson: integers as {@code Long}, other numbers as {@code Double} through
 * {@code BigDecimal} (the converter parses floats as exact decimals and takes their {@code doubleValue()}), strings,
 * booleans, null, objects as {@code HashMap}, arrays as {@code ArrayList}. Building Jackson's tree and converting
 * it cost more than the rest of reading a change record, and even its streaming parser (a parser, a symbol table
 * lookup per field name and buffer recycling per record) was a third of decoding one (docs/benchmarks.md,
 * session 14); the values, and so what the readers make of them, are the same (SchemalessJsonTest compares both
 * on every PostgreSQL type and on random documents).
 *
 * <p>Only the plain shape is read here: one JSON object in strict JSON (no comments, no NaN, no leading zeros,
 * valid UTF-8, no unescaped control characters), nothing after it but whitespace, no integer beyond a long, no
 * string, name or number of unusual length and no deep nesting. For anything else {@link #read} returns
 * {@link #OTHER}, and the caller asks the converter itself, so that malformed or unusual input gets exactly the
 * converter's answer.
 */
public final class SchemalessJson {
    /** The value is not of the plain shape read here: ask the converter. */
    public static final Object OTHER = new Object();
    private static final int MAX_DEPTH = 64;
    /** Longer strings (bytes), names and numbers go to the converter, which has limits of its own for them. */
    private static final int MAX_STRING = 1 << 20;
    private static final int MAX_NUMBER = 100;
    /** Longer names are not cached in {@link #NAMES}. */
    private static final int MAX_NAME = 64;
    /** Field names seen, by a hash of their bytes (a power of two in size). */
    private static final String[] NAMES = new String[1024];

    private final byte[] data;
    private int pos;

    private SchemalessJson(byte[] data) {
        this.data = data;
    }

    /** Not the plain shape: unwinds the parse (no stack trace, one instance). */
    private static final class Other extends RuntimeException {
        private static final Other INSTANCE = new Other();

        private Other() {
            super(null, null, false, false);
        }
    }

    /** The value the converter would read from {@code data}, or {@link #OTHER}. */
    public static Object read(byte[] data) {
        if (data == null || data.length == 0) {
            return OTHER;
        }
        SchemalessJson p = new SchemalessJson(data);
        try {
            if (p.skipSpace() != '{') {
                return OTHER;
            }
            Object value = p.object(0);
            return p.skipSpace() == -1 ? value : OTHER;
        } catch (Other | ArrayIndexOutOfBoundsException | NumberFormatException e) {
            return OTHER;
        }
    }

    /** The next byte that is not JSON whitespace, not consumed; -1 at the end. */
    private int skipSpace() {
        while (pos < data.length) {
            byte b = data[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b & 0xFF;
            }
            pos++;
        }
        return -1;
    }

    private Map<String, Object> object(int depth) {
        if (depth > MAX_DEPTH) {
            throw Other.INSTANCE;
        }
        pos++; // {
        Map<String, Object> map = new HashMap<>();
        if (skipSpace() == '}') {
            pos++;
            return map;
        }
        while (true) {
            if (skipSpace() != '"') {
                throw Other.INSTANCE;
            }
            String name = name();
            if (skipSpace() != ':') {
                throw Other.INSTANCE;
            }
            pos++;
            map.put(name, value(depth));
            int next = skipSpace();
            pos++;
            if (next == '}') {
                return map;
            } else if (next != ',') {
                throw Other.INSTANCE;
            }
        }
    }

    private List<Object> array(int depth) {
        if (depth > MAX_DEPTH) {
            throw Other.INSTANCE;
        }
        pos++; // [
        List<Object> list = new ArrayList<>();
        if (skipSpace() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(value(depth));
            int next = skipSpace();
            pos++;
            if (next == ']') {
                return list;
            } else if (next != ',') {
                throw Other.INSTANCE;
            }
        }
    }

    private Object value(int depth) {
        int b = skipSpace();
        switch (b) {
            case '"':
                return string();
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (b == '-' || b >= '0' && b <= '9') {
                    return number();
                }
                throw Other.INSTANCE;
        }
    }

    private Object literal(String word, Object value) {
        for (int i = 0; i < word.length(); i++) {
            if (data[pos + i] != word.charAt(i)) {
                throw Other.INSTANCE;
            }
        }
        pos += word.length();
        return value;
    }

    /**
     * A number by JSON's grammar: an integer as a Long (beyond a long: the converter's case), anything with a
     * fraction or exponent as the double of its exact decimal value.
     */
    private Object number() {
        int start = pos;
        boolean negative = data[pos] == '-';
        if (negative) {
            pos++;
        }
        int firstDigit = pos;
        long value = 0; // accumulated negatively, so that Long.MIN_VALUE fits
        while (pos < data.length && data[pos] >= '0' && data[pos] <= '9') {
            int d = data[pos] - '0';
            if (value < (Long.MIN_VALUE + d) / 10) {
                throw Other.INSTANCE; // beyond a long (or a float with many digits: the converter reads it)
            }
            value = value * 10 - d;
            pos++;
        }
        int digits = pos - firstDigit;
        if (digits == 0 || digits > 1 && data[firstDigit] == '0') {
            throw Other.INSTANCE; // no digits, or a leading zero: not JSON
        }
        boolean integral = true;
        if (pos < data.length && data[pos] == '.') {
            integral = false;
            pos++;
            requireDigits();
        }
        if (pos < data.length && (data[pos] == 'e' || data[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < data.length && (data[pos] == '+' || data[pos] == '-')) {
                pos++;
            }
            requireDigits();
        }
        if (pos - start > MAX_NUMBER) {
            throw Other.INSTANCE;
        }
        if (integral) {
            if (!negative && value == Long.MIN_VALUE) {
                throw Other.INSTANCE;
            }
            return negative ? value : -value;
        }
        return new BigDecimal(new String(data, start, pos - start, StandardCharsets.ISO_8859_1)).doubleValue();
    }

    private void requireDigits() {
        int from = pos;
        while (pos < data.length && data[pos] >= '0' && data[pos] <= '9') {
            pos++;
        }
        if (pos == from) {
            throw Other.INSTANCE;
        }
    }

    /**
     * A field name: as {@link #string}, but a plain ASCII name comes from {@link #NAMES} when it was seen before, so
     * that the few names of a topic's records are not made, and hashed by the map, once per record.
     */
    private String name() {
        int start = pos + 1;
        int hash = 0;
        for (int i = start; i < data.length && i - start < MAX_NAME; i++) {
            byte b = data[i];
            if (b == '"') {
                int len = i - start;
                int slot = (hash ^ hash >>> 16) & (NAMES.length - 1);
                String known = NAMES[slot];
                if (known == null || !sameAscii(known, start, len)) {
                    known = new String(data, start, len, StandardCharsets.ISO_8859_1);
                    NAMES[slot] = known; // a race only loses a cache entry: Strings are safely shared
                }
                pos = i + 1;
                return known;
            }
            if (b == '\\' || b < 0x20) {
                break; // escaped or not ASCII: not cached
            }
            hash = 31 * hash + b;
        }
        return string();
    }

    private boolean sameAscii(String known, int start, int len) {
        if (known.length() != len) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if (known.charAt(k) != data[start + k]) {
                return false;
            }
        }
        return true;
    }

    /** A string at {@code pos} (its opening quote), decoded; plain ASCII without escapes takes the short way. */
    private String string() {
        int start = ++pos;
        while (true) {
            byte b = data[pos];
            if (b == '"') {
                if (pos - start > MAX_STRING) {
                    throw Other.INSTANCE;
                }
                return new String(data, start, pos++ - start, StandardCharsets.ISO_8859_1);
            }
            if (b == '\\' || b < 0x20) { // an escape, a control character, or (negative) a non-ASCII byte
                return decoded(start);
            }
            pos++;
        }
    }

    /** The rest of a string with escapes or non-ASCII characters, from {@code start}; strict UTF-8. */
    private String decoded(int start) {
        StringBuilder out = new StringBuilder(pos - start + 16);
        out.append(new String(data, start, pos - start, StandardCharsets.ISO_8859_1));
        while (true) {
            int b = data[pos++] & 0xFF;
            if (b == '"') {
                if (pos - start > MAX_STRING) {
                    throw Other.INSTANCE;
                }
                return out.toString();
            } else if (b == '\\') {
                escape(out);
            } else if (b < 0x20) {
                throw Other.INSTANCE; // an unescaped control character: not JSON
            } else if (b < 0x80) {
                out.append((char) b);
            } else {
                utf8(out, b);
            }
        }
    }

    private void escape(StringBuilder out) {
        int e = data[pos++];
        switch (e) {
            case '"', '\\', '/' -> out.append((char) e);
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
                int c = 0;
                for (int i = 0; i < 4; i++) {
                    int h = Character.digit(data[pos++], 16);
                    if (h < 0) {
                        throw Other.INSTANCE;
                    }
                    c = c << 4 | h;
                }
                out.append((char) c); // surrogates as they come, as the converter's parser reads them
            }
            default -> throw Other.INSTANCE;
        }
    }

    /**
     * One multi-byte UTF-8 sequence starting with {@code lead}; overlong forms, surrogates and code points beyond
     * U+10FFFF are refused.
     */
    private void utf8(StringBuilder out, int lead) {
        int n;
        int cp;
        int min;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 1;
            cp = lead & 0x1F;
            min = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 2;
            cp = lead & 0x0F;
            min = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 3;
            cp = lead & 0x07;
            min = 0x10000;
        } else {
            throw Other.INSTANCE;
        }
        for (int i = 0; i < n; i++) {
            int c = data[pos++] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                throw Other.INSTANCE;
            }
            cp = cp << 6 | c & 0x3F;
        }
        if (cp < min || cp > 0x10FFFF || cp >= 0xD800 && cp <= 0xDFFF) {
            throw Other.INSTANCE;
        }
        out.appendCodePoint(cp);
    }
}
