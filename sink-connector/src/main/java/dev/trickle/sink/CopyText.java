package dev.trickle.sink;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Lines of PostgreSQL's COPY text format. Values are already PostgreSQL text input; only the characters
 * COPY itself interprets need escaping: backslash, tab (column separator), newline and carriage return.
 */
final class CopyText {
    static final String NULL = "\\N";

    private final StringBuilder line = new StringBuilder(256);

    /** One line: the values (null = SQL NULL), then the extra bigint columns, then a newline, as UTF-8. */
    byte[] line(List<String> values, long... extra) {
        line.setLength(0);
        appendValues(values, extra);
        line.append('\n');
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * As {@link #line(List, long...)}, followed by one more column: {@code record}'s values as a record literal
     * (what {@code record_in} reads: each value double-quoted, NULL as nothing), or NULL when {@code record} is null.
     */
    byte[] line(List<String> values, List<String> record, long... extra) {
        line.setLength(0);
        appendValues(values, extra);
        line.append('\t');
        appendValue(line, record == null ? null : recordLiteral(record));
        line.append('\n');
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A record literal of the values: "(\"a\",,\"b\"\"c\")" for a, NULL, b"c. */
    static String recordLiteral(List<String> values) {
        StringBuilder out = new StringBuilder(16 * values.size() + 2).append('(');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String v = values.get(i);
            if (v == null) {
                continue;
            }
            out.append('"');
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                if (c == '"' || c == '\\') {
                    out.append(c);
                }
                out.append(c);
            }
            out.append('"');
        }
        return out.append(')').toString();
    }

    private void appendValues(List<String> values, long... extra) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                line.append('\t');
            }
            appendValue(line, values.get(i));
        }
        for (long x : extra) {
            if (line.length() > 0 || !values.isEmpty()) {
                line.append('\t');
            }
            line.append(x);
        }
    }

    static void appendValue(StringBuilder out, String value) {
        if (value == null) {
            out.append(NULL);
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /** Collects lines into chunks of about {@code chunkBytes}, so that COPY streams without one huge buffer. */
    static final class Chunker {
        private final ByteArrayOutputStream buf;
        private final int chunkBytes;

        Chunker(int chunkBytes) {
            this.chunkBytes = chunkBytes;
            this.buf = new ByteArrayOutputStream(chunkBytes + 1024);
        }

        /** Adds a line; returns true when the chunk is full and should be sent (then call {@link #take()}). */
        boolean add(byte[] lineBytes) {
            buf.write(lineBytes, 0, lineBytes.length);
            return buf.size() >= chunkBytes;
        }

        byte[] take() {
            byte[] out = buf.toByteArray();
            buf.reset();
            return out;
        }

        boolean isEmpty() {
            return buf.size() == 0;
        }
    }
}
