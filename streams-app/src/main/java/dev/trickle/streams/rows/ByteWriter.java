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
