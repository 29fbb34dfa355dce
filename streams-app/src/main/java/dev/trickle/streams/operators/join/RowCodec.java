package dev.trickle.streams.operators.join;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes a list of nullable strings (a row, or a join key's components) as one string for the state
 * store, and back. Each value is written as {@code <length>:<text>}, NULL as {@code ~}: the encoding is
 * injective and, for lists of one length, prefix-free, so that {@code prefix(encode(key) + "|")} finds the
 * rows of exactly that key, whatever characters the values contain.
 */
public final class RowCodec {
    private RowCodec() {
    }

    public static String encode(List<String> values) {
        StringBuilder b = new StringBuilder();
        for (String v : values) {
            if (v == null) {
                b.append('~');
            } else {
                b.append(v.length()).append(':').append(v);
            }
        }
        return b.toString();
    }

    /** The values {@link #encode} wrote into {@code s} from {@code from} on. */
    public static List<String> decode(String s, int from) {
        List<String> out = new ArrayList<>();
        int i = from;
        while (i < s.length()) {
            if (s.charAt(i) == '~') {
                out.add(null);
                i++;
                continue;
            }
            int colon = s.indexOf(':', i);
            if (colon < 0) {
                throw new IllegalStateException("corrupt encoded row at " + i + ": " + s);
            }
            int length = Integer.parseInt(s, i, colon, 10);
            out.add(s.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        // Arrays.asList keeps the NULLs that List.copyOf rejects; rows are never modified in place
        return Arrays.asList(out.toArray(new String[0]));
    }
}
