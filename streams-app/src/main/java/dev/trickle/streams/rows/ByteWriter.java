package dev.trickle.streams.rows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte array written front to back: the writing half of {@link RowCodec}. */
public final class ByteWriter {
    private byte[] buf;
    private int size;

    public ByteWriter() {
        this(64);
    }

    public ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public ByteWriter writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
        return this;
    }

    public ByteWriter writeBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
        return this;
    }

    public ByteWriter writeBytes(byte[] bytes, int from, int to) {
        ensure(to - from);
        System.arraycopy(bytes, from, buf, size, to - from);
        size += to - from;
        return this;
    }

    /** Eight bytes, big-endian: non-negative values sort bytewise in numeric order (ticks in keys). */
    public ByteWriter writeLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    /** An unsigned LEB128 varint: one byte for values below 128. */
    public ByteWriter writeVarint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
        return this;
    }

    /** A signed value as a zigzag varint: small magnitudes, negative or not, take one byte (weights, counts). */
    public ByteWriter writeSignedVarint(long v) {
        return writeVarint((v << 1) ^ (v >> 63));
    }

    /**
     * A nullable text for a key whose byte order matters ({@link KeyTexts}): its UTF-8 bytes with 0x00 and
     * 0x01 escaped, then 0x00; NULL as 0x01 0x00. Prefix-free, and keys of such texts compare bytewise as
     * their texts compare by code point (a text before every longer text it begins), NULL after the empty
     * text and before every other.
     */
    public ByteWriter writeKeyText(String text) {
        if (text == null) {
            return writeByte(KeyTexts.ESCAPE).writeByte(KeyTexts.END);
        }
        int n = text.length();
        ensure(3 * n + 1);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (c <= KeyTexts.ESCAPE) {
                    buf[size++] = KeyTexts.ESCAPE;
                    buf[size++] = (byte) (c + 1);
                } else {
                    buf[size++] = (byte) c;
                }
            } else {
                // rare in keys: the general encoder (surrogate pairs make one 4-byte sequence)
                int end = i + 1;
                while (end < n && text.charAt(end) >= 0x80) {
                    end++;
                }
                byte[] utf8 = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
                ensure(utf8.length);
                System.arraycopy(utf8, 0, buf, size, utf8.length);
                size += utf8.length;
                i = end - 1;
            }
        }
        buf[size++] = KeyTexts.END;
        return this;
    }

    /** A nullable text: varint 0 for NULL, else varint (length + 1) and the UTF-8 bytes. */
    public ByteWriter writeText(String text) {
        if (text == null) {
            return writeVarint(0);
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        writeVarint(utf8.length + 1L);
        return writeBytes(utf8);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
