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
