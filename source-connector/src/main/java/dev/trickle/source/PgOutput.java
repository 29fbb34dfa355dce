package dev.trickle.source;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The messages of PostgreSQL's logical replication protocol (the pgoutput plugin, protocol version 1) that WAL
 * capture needs, parsed from the bytes of one XLogData payload. Values are kept as PostgreSQL sends them: the
 * text output of each column's type, which the buffer's typed columns read back exactly (so a WAL row and a
 * trigger row of the same change are the same value).
 */
final class PgOutput {
    private PgOutput() {
    }

    sealed interface Message permits Begin, Commit, Relation, Change, Truncate, LogicalMessage, Other {
    }

    /** A transaction's start: the LSN of its commit record, and its (32-bit) top-level transaction id. */
    record Begin(long finalLsn, long xid) implements Message {
    }

    record Commit(long commitLsn, long endLsn) implements Message {
    }

    /** A table's columns as the changes that follow have them. */
    record Relation(long relid, String schema, String name, List<String> columns) implements Message {
    }

    /**
     * A row change. {@code op} is 'I', 'U' or 'D'; {@code old} is null for an INSERT and for an UPDATE without
     * the old row (a table without REPLICA IDENTITY FULL that kept its key); {@code neu} is null for a DELETE.
     */
    record Change(char op, long relid, Tuple old, Tuple neu) implements Message {
    }

    record Truncate(List<Long> relids) implements Message {
    }

    /** A message written by pg_logical_emit_message (Trickle's tick markers); {@code lsn} is where it was written. */
    /** A message written by pg_logical_emit_message: its position, prefix and content (as UTF-8 text). */
    record LogicalMessage(long lsn, String prefix, String content) implements Message {
    }

    /** Origin, Type and anything else WAL capture ignores. */
    record Other(char kind) implements Message {
    }

    /**
     * One row's values, in the relation's column order: text, or null for SQL NULL. {@code unchanged[i]} marks an
     * unchanged TOAST value that the new row of an UPDATE does not repeat (take it from the old row).
     */
    record Tuple(String[] values, boolean[] unchanged) {
        /** This row with unchanged values taken from {@code old}, where it has them. */
        Tuple completedFrom(Tuple old) {
            if (old == null) {
                return this;
            }
            String[] v = values.clone();
            boolean[] u = unchanged.clone();
            for (int i = 0; i < v.length && i < old.values.length; i++) {
                if (u[i] && !old.unchanged[i]) {
                    v[i] = old.values[i];
                    u[i] = false;
                }
            }
            return new Tuple(v, u);
        }

        boolean complete() {
            for (boolean b : unchanged) {
                if (b) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return Arrays.toString(values);
        }
    }

    static Message parse(ByteBuffer b) {
        char kind = (char) b.get();
        return switch (kind) {
            case 'B' -> new Begin(b.getLong(), skip(b, 8).getInt() & 0xffffffffL);
            case 'C' -> {
                b.get(); // flags
                long commit = b.getLong();
                yield new Commit(commit, b.getLong());
            }
            case 'R' -> relation(b);
            case 'I' -> {
                long relid = b.getInt() & 0xffffffffL;
                b.get(); // 'N'
                yield new Change('I', relid, null, tuple(b));
            }
            case 'U' -> {
                long relid = b.getInt() & 0xffffffffL;
                Tuple old = null;
                char next = (char) b.get();
                if (next == 'K' || next == 'O') {
                    old = tuple(b);
                    next = (char) b.get();
                }
                yield new Change('U', relid, old, tuple(b));
            }
            case 'D' -> {
                long relid = b.getInt() & 0xffffffffL;
                b.get(); // 'K' or 'O'
                yield new Change('D', relid, tuple(b), null);
            }
            case 'T' -> {
                int n = b.getInt();
                b.get(); // options: CASCADE, RESTART IDENTITY
                List<Long> relids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    relids.add(b.getInt() & 0xffffffffL);
                }
                yield new Truncate(relids);
            }
            case 'M' -> {
                b.get(); // flags: transactional or not
                long lsn = b.getLong();
                String prefix = string(b);
                byte[] content = new byte[b.getInt()];
                b.get(content);
                yield new LogicalMessage(lsn, prefix, new String(content, StandardCharsets.UTF_8));
            }
            default -> new Other(kind);
        };
    }

    private static ByteBuffer skip(ByteBuffer b, int bytes) {
        b.position(b.position() + bytes);
        return b;
    }

    private static Relation relation(ByteBuffer b) {
        long relid = b.getInt() & 0xffffffffL;
        String schema = string(b);
        String name = string(b);
        b.get(); // replica identity setting
        int n = b.getShort();
        List<String> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            b.get(); // flags: part of the key
            columns.add(string(b));
            b.getInt(); // type oid
            b.getInt(); // type modifier
        }
        return new Relation(relid, schema, name, columns);
    }

    private static Tuple tuple(ByteBuffer b) {
        int n = b.getShort();
        String[] values = new String[n];
        boolean[] unchanged = new boolean[n];
        for (int i = 0; i < n; i++) {
            char k = (char) b.get();
            switch (k) {
                case 'n' -> values[i] = null;
                case 'u' -> unchanged[i] = true;
                case 't' -> {
                    byte[] bytes = new byte[b.getInt()];
                    b.get(bytes);
                    values[i] = new String(bytes, StandardCharsets.UTF_8);
                }
                default -> throw new IllegalStateException("pgoutput sent column data of kind '" + k
                        + "'; WAL capture reads text values only (binary mode is off)");
            }
        }
        return new Tuple(values, unchanged);
    }

    /** A NUL-terminated string. */
    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
