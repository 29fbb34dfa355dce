package dev.trickle.streams.rows;

import java.nio.charset.StandardCharsets;

/**
 * Reads what a {@link ByteWriter} wrote, front to back. A truncated or malformed input is an
 * {@link IllegalArgumentException} that says where: a stored row that does not decode is corrupt.
 */
public final class ByteReader {
    private final byte[] buf;
    private final int end;
    private int pos;

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    public boolean hasMore() {
        return pos < end;
    }

    public int position() {
        return pos;
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public long readVarint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("malformed varint before byte " + pos);
    }

    /** A value {@link ByteWriter#writeSignedVarint} wrote. */
    public long readSignedVarint() {
        long v = readVarint();
        return (v >>> 1) ^ -(v & 1);
    }

    /** A text {@link ByteWriter#writeKeyText} wrote, or null. */
    public String readKeyText() {
        need(1);
        if (buf[pos] == KeyTexts.ESCAPE && pos + 1 < end && buf[pos + 1] == KeyTexts.END) {
            pos += 2;
            return null;
        }
        int start = pos;
        int stop = start;
        boolean escaped = false;
        while (true) {
            if (stop >= end) {
                throw new IllegalArgumentException("a key text runs past the end at byte " + start);
            }
            byte b = buf[stop];
            if (b == KeyTexts.END) {
                break;
            }
            if (b == KeyTexts.ESCAPE) {
                escaped = true;
                stop++;
            }
            stop++;
        }
        pos = stop + 1;
        if (!escaped) {
            return new String(buf, start, stop - start, StandardCharsets.UTF_8);
        }
        byte[] out = new byte[stop - start];
        int n = 0;
        for (int i = start; i < stop; i++) {
            byte b = buf[i];
            if (b == KeyTexts.ESCAPE) {
                b = (byte) (buf[++i] - 1);
                if (b != 0 && b != 1) {
                    throw new IllegalArgumentException("malformed escape in a key text at byte " + i);
                }
            }
            out[n++] = b;
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** A text {@link ByteWriter#writeText} wrote, or null. */
    public String readText() {
        long n = readVarint();
        if (n == 0) {
            return null;
        }
        if (n - 1 > end - pos) {
            throw new IllegalArgumentException("a text of " + (n - 1) + " bytes runs past the end at byte " + pos);
        }
        String s = new String(buf, pos, (int) (n - 1), StandardCharsets.UTF_8);
        pos += (int) (n - 1);
        return s;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw new IllegalArgumentException("truncated: " + n + " more bytes expected at byte " + pos);
        }
    }
}
