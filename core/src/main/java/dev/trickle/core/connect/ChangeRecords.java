package dev.trickle.core.connect;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Change records as Connect Structs, for one topic's columns ({@link TopicSchemas#change}); reading needs
 * no columns: {@link #decode} follows the record's own schema.
 */
public final class ChangeRecords {
    private final RowSchema row;
    private final RowSchema key;
    private final Schema value;

    ChangeRecords(RowSchema row, RowSchema key, Schema value) {
        this.row = row;
        this.key = key;
        this.value = value;
    }

    public Schema valueSchema() {
        return value;
    }

    public Schema keySchema() {
        return key.schema();
    }

    public RowSchema rowSchema() {
        return row;
    }

    /** The key of a row: its primary-key columns (all columns when the source has none). */
    public Struct key(Map<String, String> values) {
        return key.struct(values);
    }

    public Struct value(ChangeRecord record) {
        Struct s = new Struct(value).put("kind", kind(record)).put("tick", record.tick());
        if (record instanceof ChangeRecord.Row r) {
            s.put("weight", r.weight()).put("stream_table", r.streamTable()).put("row", row.struct(r.values()));
        } else if (record instanceof ChangeRecord.Init i) {
            s.put("stream_table", i.streamTable()).put("upstream_tick", i.upstreamTick());
        } else if (record instanceof ChangeRecord.End e) {
            s.put("partition", e.partition()).put("partitions", e.partitions()).put("tick_ms", e.tickMillis());
        }
        return s;
    }

    private static String kind(ChangeRecord record) {
        if (record instanceof ChangeRecord.Row) {
            return "row";
        }
        return record instanceof ChangeRecord.Init ? "init" : "end";
    }

    /** The change record a converter read, or a {@link MalformedRecordException} saying what is wrong with it. */
    public static ChangeRecord decode(Object value) {
        Struct s = Envelope.struct(value, "change");
        try {
            String kind = s.getString("kind");
            long tick = s.getInt64("tick");
            switch (kind) {
                case "row": {
                    Struct row = Envelope.row(s);
                    return new ChangeRecord.Row(tick, Envelope.required(s.getInt32("weight"), "weight", s), RowSchema.named(row),
                            s.getInt64("stream_table"));
                }
                case "init":
                    return new ChangeRecord.Init(tick, Envelope.required(s.getInt64("stream_table"), "stream_table", s),
                            s.getInt64("upstream_tick"));
                case "end":
                    return new ChangeRecord.End(tick, Envelope.required(s.getInt32("partition"), "partition", s),
                            Envelope.required(s.getInt32("partitions"), "partitions", s),
                            Envelope.required(s.getInt64("tick_ms"), "tick_ms", s));
                default:
                    throw new MalformedRecordException("unknown change record kind \"" + kind + "\": " + Envelope.abbreviate(s));
            }
        } catch (DataException | ClassCastException | IllegalArgumentException | NullPointerException e) {
            if (e instanceof MalformedRecordException m) {
                throw m;
            }
            throw new MalformedRecordException("not a Trickle change record (" + e.getMessage() + "): "
                    + Envelope.abbreviate(s), e);
        }
    }
}
