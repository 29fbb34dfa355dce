package dev.trickle.streams.rows;

import java.util.List;

/**
 * The one binary encoding of rows inside the streams app (tick buffers, operator state, the internal
 * gather topics and their changelogs): each value as its exact PostgreSQL text, length-prefixed UTF-8
 * with a NULL marker ({@link ByteWriter#writeText}), so that a decoded row equals the row that was
 * encoded, text for text, and equality with recomputation holds by construction.
 *
 * <p>A stored key or value starts with {@link #VERSION}. 0xFE never occurs in UTF-8, so what the
 * previous versions stored (UTF-8 strings and JSON) is told apart from this format by its first byte
 * ({@link #checkVersion}), and a store left by an older version is reported rather than misread.
 */
public final class RowCodec {
    /** The first byte of every stored key and value of this format (version 1). */
    public static final byte VERSION = (byte) 0xFE;

    private RowCodec() {
    }

    /** The values in order, without a version byte (for a part of a larger key or value). */
    public static void write(ByteWriter out, List<String> values) {
        out.writeVarint(values.size());
        for (int i = 0; i < values.size(); i++) {
            out.writeText(values.get(i));
        }
    }

    /** A row {@link #write} wrote, as a {@link Row}. */
    public static Row read(ByteReader in) {
        long n = in.readVarint();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a row of " + n + " values at byte " + in.position());
        }
        String[] values = new String[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readText();
        }
        return Row.wrap(values);
    }

    /** A stored value: the version byte, then the row. */
    public static byte[] encode(List<String> values) {
        ByteWriter out = new ByteWriter(16 + 8 * values.size()).writeByte(VERSION);
        write(out, values);
        return out.toByteArray();
    }

    /** The row of a stored value {@link #encode} made ({@code what} names it in errors). */
    public static Row decode(byte[] stored, String what) {
        checkVersion(stored, what);
        ByteReader in = new ByteReader(stored, 1, stored.length);
        Row row = read(in);
        if (in.hasMore()) {
            throw new IllegalArgumentException(what + ": " + (stored.length - in.position()) + " bytes after the row");
        }
        return row;
    }

    /** Whether {@code stored} (a key or value) is of this format. */
    public static boolean isCurrent(byte[] stored) {
        return stored != null && stored.length > 0 && stored[0] == VERSION;
    }

    /** Fails with {@link StaleFormatException} unless {@code stored} is of this format. */
    public static void checkVersion(byte[] stored, String what) {
        if (!isCurrent(stored)) {
            throw new StaleFormatException(what);
        }
    }

    /**
     * Data in a format this version does not read: state or internal topics written by an earlier
     * version of Trickle (JSON and strings), or bytes that are not Trickle's.
     */
    public static final class StaleFormatException extends IllegalStateException {
        public StaleFormatException(String what) {
            super(what + " is not in the binary row format of this version of Trickle (it was written by an"
                    + " earlier version, which kept JSON and strings there); the stream table has to be filled"
                    + " anew: run pgtrickle.refresh_stream_table on it");
        }
    }
}
