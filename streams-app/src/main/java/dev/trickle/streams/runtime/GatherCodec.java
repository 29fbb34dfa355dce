package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
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
 * <p>Upstream delta records travel on the same topic as the bytes they had on the delta topic (keyed
 * {@code d<source>}, see {@link UpstreamInputs#key}): they are not encoded again.
 */
final class GatherCodec {
    private static final byte ROW = 'r';
    private static final byte INIT = 'i';
    private static final byte END = 'e';

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

    /** The change record {@link #encode} wrote; anything else (an earlier version's JSON) is malformed. */
    static ChangeRecord decode(byte[] value) throws MalformedRecordException {
        if (!RowCodec.isCurrent(value)) {
            throw new MalformedRecordException(value == null || value.length == 0 ? "an empty record"
                    : "not in this version's binary format (an earlier version of Trickle wrote JSON here)");
        }
        try {
            ByteReader in = new ByteReader(value, 1, value.length);
            int kind = in.readByte();
            long tick = in.readLong();
            ChangeRecord change = switch (kind) {
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
            };
            if (in.hasMore()) {
                throw new IllegalArgumentException("bytes after the record");
            }
            return change;
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("a corrupt binary change record: " + e.getMessage(), e);
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
