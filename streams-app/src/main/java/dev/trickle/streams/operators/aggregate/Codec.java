package dev.trickle.streams.operators.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lists of nullable strings as one string, for the keys and values of operator state (which holds strings
 * only). Each element is followed by a terminator, so an encoding is self-delimiting: the encoding of a
 * list is a prefix of the encoding of every longer list that starts with it, which is what prefix scans
 * over "group key + slot" need. Control characters inside values are escaped, so values may hold any text.
 */
public final class Codec {
    private static final char END = '\u0001';
    private static final char NULL = '\u0002';
    private static final char ESCAPE = '\u0003';

    private Codec() {
    }

    public static String encode(List<String> values) {
        StringBuilder b = new StringBuilder();
        for (String v : values) {
            append(b, v);
        }
        return b.toString();
    }

    public static String encode(String... values) {
        return encode(Arrays.asList(values));
    }

    /** Appends one element's encoding (for building keys piece by piece). */
    public static StringBuilder append(StringBuilder b, String v) {
        if (v == null) {
            return b.append(NULL).append(END);
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case END -> b.append(ESCAPE).append('e');
                case NULL -> b.append(ESCAPE).append('n');
                case ESCAPE -> b.append(ESCAPE).append('x');
                default -> b.append(c);
            }
        }
        return b.append(END);
    }

    public static List<String> decode(String encoded) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean isNull = false;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == END) {
                out.add(isNull ? null : cur.toString());
                cur.setLength(0);
                isNull = false;
            } else if (c == NULL) {
                isNull = true;
            } else if (c == ESCAPE) {
                char e = encoded.charAt(++i);
                cur.append(e == 'e' ? END : e == 'n' ? NULL : ESCAPE);
            } else {
                cur.append(c);
            }
        }
        if (cur.length() > 0 || isNull) {
            throw new IllegalArgumentException("truncated encoding");
        }
        return out;
    }
}
