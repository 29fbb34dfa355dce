package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.streams.rows.ByteReader;
import dev.trickle.streams.rows.ByteWriter;
import dev.trickle.streams.rows.RowCodec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Change records on a stateful stream table's internal gather topic, in {@link RowCodec}'s binary
 * format: the scatter decodes a change record once, at the edge, and the gathering task reads it
 * without JSON. Layout: the version byte, the kind ({@code r}ow, {@code i}nit, {@code e}nd), the tick,
 * then the kind's fields; a row's values are its column names and texts, NULL kept apart from the
 * empty string.
 *
 * <p>Upstream delta records (keyed {@code d<source>}, see {@link UpstreamInputs#key}) travel in the same
 * format with kinds {@code R}ow and {@code E}nd: the scatter has them decoded by the delta topic's
 * converter already, whatever that converter is, so the gathering task never sees the topic's format.
 */
final class GatherCodec {
    private static final byte ROW = 'r';
    private static final byte INIT = 'i';
    private static final byte END = 'e';
    private static final byte DELTA_ROW = 'R';
    private static final byte DELTA_END = 'E';

    private GatherCodec() {
    }

    static byte[] encode(ChangeRecord change) {
        ByteWriter out = new ByteWriter(64).writeByte(RowCodec.VERSION);
        if (change instanceof ChangeRecord.Row row) {
            out.writeByte(ROW).writeLong(row.tick()).writeByte(row.weight() > 0 ? 1 : 0);
            optionalLong(out, row.streamTable());
            out.writeVarint(row.values().size());
            row.values().forEach((column, value) -> out.writeText(column).writeText(value));
        } else if (change instanceof ChangeRecord.Init init) {
            out.writeByte(INIT).writeLong(init.tick()).writeLong(init.streamTable());
            optionalLong(out, init.upstreamTick());
        } else {
            ChangeRecord.End end = (ChangeRecord.End) change;
            out.writeByte(END).writeLong(end.tick()).writeVarint(end.partition()).writeVarint(end.partitions())
                    .writeLong(end.tickMillis());
        }
        return out.toByteArray();
    }

    static byte[] encode(DeltaRecord delta) {
        ByteWriter out = new ByteWriter(64).writeByte(RowCodec.VERSION);
        if (delta instanceof DeltaRecord.Row row) {
            out.writeByte(DELTA_ROW).writeLong(row.tick()).writeLong(row.weight());
            RowCodec.write(out, row.values());
        } else {
            DeltaRecord.End end = (DeltaRecord.End) delta;
            out.writeByte(DELTA_END).writeLong(end.tick()).writeLong(end.streamTable()).writeVarint(end.producer())
                    .writeVarint(end.producers()).writeVarint(end.partitions()).writeLong(end.tickMillis())
                    .writeByte(end.initial() ? 1 : 0);
        }
        return out.toByteArray();
    }

    /** The upstream delta record {@link #encode(DeltaRecord)} wrote; anything else is malformed. */
    static DeltaRecord decodeDelta(byte[] value) throws MalformedRecordException {
        return decode(value, "delta", (kind, tick, in) -> switch (kind) {
            case DELTA_ROW -> {
                long weight = in.readLong();
                yield new DeltaRecord.Row(tick, weight, RowCodec.read(in));
            }
            case DELTA_END -> new DeltaRecord.End(tick, in.readLong(), (int) in.readVarint(),
                    (int) in.readVarint(), (int) in.readVarint(), in.readLong(), in.readByte() == 1);
            default -> throw new IllegalArgumentException("unknown delta record kind " + kind);
        });
    }

    /**
     * Where the column pairs of a change row {@link #encode} wrote begin (its tick at byte 2, its weight's sign at
     * byte 10), or -1 for any other record, including a row whose pairs do not span the rest of the record exactly:
     * the caller then takes {@link #decode}, which says what is wrong. The gathering task copies a row's pairs into
     * its tick buffer as they are, without decoding and encoding its texts again.
     */
    static int rowPairs(byte[] value) {
        if (!RowCodec.isCurrent(value) || value.length < 13 || value[1] != ROW) {
            return -1;
        }
        int pos = value[11] == 0 ? 12 : 20; // after the optional stream table id
        int start = pos;
        long[] read = new long[2]; // a varint's value and the position after it
        if (!varint(value, pos, read)) {
            return -1;
        }
        long texts = 2 * read[0];
        pos = (int) read[1];
        for (long i = 0; i < texts; i++) {
            if (!varint(value, pos, read) || read[0] > 1 + value.length - read[1]) {
                return -1;
            }
            pos = (int) (read[1] + Math.max(0, read[0] - 1)); // a text's length is stored plus one (0: NULL)
        }
        return pos == value.length ? start : -1;
    }

    /** The varint at {@code pos} into {@code out} (value, next position); false when it runs past the end. */
    private static boolean varint(byte[] buf, int pos, long[] out) {
        long v = 0;
        for (int shift = 0; shift < 64 && pos < buf.length; shift += 7) {
            int b = buf[pos++] & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                out[0] = v;
                out[1] = pos;
                return v >= 0;
            }
        }
        return false;
    }

    /** The tick of a change row {@link #rowPairs} accepted. */
    static long rowTick(byte[] value) {
        return new ByteReader(value, 2, 10).readLong();
    }

    /** The weight of a change row {@link #rowPairs} accepted. */
    static int rowWeight(byte[] value) {
        return value[10] == 1 ? 1 : -1;
    }

    /** The change record {@link #encode} wrote; anything else (an earlier version's JSON) is malformed. */
    static ChangeRecord decode(byte[] value) throws MalformedRecordException {
        return decode(value, "change", (kind, tick, in) -> switch (kind) {
            case ROW -> {
                int weight = in.readByte() == 1 ? 1 : -1;
                Long streamTable = optionalLong(in);
                long n = in.readVarint();
                Map<String, String> values = new LinkedHashMap<>();
                for (long i = 0; i < n; i++) {
                    values.put(in.readText(), in.readText());
                }
                yield new ChangeRecord.Row(tick, weight, values, streamTable);
            }
            case INIT -> new ChangeRecord.Init(tick, in.readLong(), optionalLong(in));
            case END -> new ChangeRecord.End(tick, (int) in.readVarint(), (int) in.readVarint(), in.readLong());
            default -> throw new IllegalArgumentException("unknown record kind " + kind);
        });
    }

    /** The body of a record after its version byte, kind and tick. */
    private interface Body<T> {
        T read(int kind, long tick, ByteReader in);
    }

    /** One frame for both record families: the version byte, kind and tick, the body, nothing after it. */
    private static <T> T decode(byte[] value, String family, Body<T> body) throws MalformedRecordException {
        if (!RowCodec.isCurrent(value)) {
            throw new MalformedRecordException(value == null || value.length == 0 ? "an empty record"
                    : "not in this version's binary format (an earlier version of Trickle wrote JSON here)");
        }
        try {
            ByteReader in = new ByteReader(value, 1, value.length);
            int kind = in.readByte();
            long tick = in.readLong();
            T record = body.read(kind, tick, in);
            if (in.hasMore()) {
                throw new IllegalArgumentException("bytes after the record");
            }
            return record;
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("a corrupt binary " + family + " record: " + e.getMessage(), e);
        }
    }

    private static void optionalLong(ByteWriter out, Long v) {
        if (v == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1).writeLong(v);
        }
    }

    private static Long optionalLong(ByteReader in) {
        return in.readByte() == 0 ? null : in.readLong();
    }
}
