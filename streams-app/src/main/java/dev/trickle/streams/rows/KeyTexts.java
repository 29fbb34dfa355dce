package dev.trickle.streams.rows;

import java.util.Arrays;
import java.util.List;

/**
 * Lists of nullable texts as the bytes of a state key ({@link ByteWriter#writeKeyText}): prefix-free, so that
 * a prefix scan of one list's bytes finds exactly the keys that begin with that list, and ordered, so that
 * keys compare bytewise ({@link #compare}, RocksDB's order) as their lists compare text by text by code point.
 */
public final class KeyTexts {
    static final byte END = 0;
    static final byte ESCAPE = 1;

    private KeyTexts() {
    }

    /** Appends each value of {@code values}. */
    public static ByteWriter write(ByteWriter out, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            out.writeKeyText(values.get(i));
        }
        return out;
    }

    /** The key of {@code values} alone. */
    public static byte[] encode(List<String> values) {
        return write(new ByteWriter(8 + 12 * values.size()), values).toByteArray();
    }

    /** The values {@link #write} wrote, read until the end of {@code in}. */
    public static List<String> readAll(ByteReader in) {
        List<String> out = new java.util.ArrayList<>();
        while (in.hasMore()) {
            out.add(in.readKeyText());
        }
        // Arrays.asList keeps the NULLs that List.copyOf rejects
        return Arrays.asList(out.toArray(new String[0]));
    }

    /** The order of keys in a store: unsigned bytewise, a key before every longer key it begins. */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** Whether {@code key} begins with {@code prefix}. */
    public static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
