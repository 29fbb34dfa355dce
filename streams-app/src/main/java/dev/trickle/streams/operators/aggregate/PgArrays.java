package dev.trickle.streams.operators.aggregate;

/** PostgreSQL's array_out for one-dimensional arrays whose elements are given as their output texts. */
final class PgArrays {
    private PgArrays() {
    }

    /** One element: NULL bare; quoted when empty, "NULL" in any case, or holding {@code {},"\} or blanks. */
    static void appendElement(StringBuilder b, String v) {
        if (v == null) {
            b.append("NULL");
            return;
        }
        if (!needsQuotes(v)) {
            b.append(v);
            return;
        }
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    private static boolean needsQuotes(String v) {
        if (v.isEmpty() || v.equalsIgnoreCase("NULL")) {
            return true;
        }
        for (int i = 0; i < v.length(); i++) {
            switch (v.charAt(i)) {
                case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\u000B', '\f':
                    return true;
                default:
                    break;
            }
        }
        return false;
    }
}
