package dev.trickle.core.connect;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Delta records as Connect Structs, for one stream table's columns ({@link TopicSchemas#delta}); reading
 * needs no columns: {@link #decode} follows the record's own schema and gives the row positionally.
 */
public final class DeltaRecords {
    private final RowSchema row;
    private final RowSchema key;
    private final List<Integer> keyPositions;
    private final Schema value;

    DeltaRecords(RowSchema row, RowSchema key, List<Integer> keyPositions, Schema value) {
        this.row = row;
        this.key = key;
        this.keyPositions = keyPositions;
        this.value = value;
    }

    public Schema valueSchema() {
        return value;
    }

    /** The key schema, or null when the stream table has no unique key (then rows have no key). */
    public Schema keySchema() {
        return key == null ? null : key.schema();
    }

    public RowSchema rowSchema() {
        return row;
    }

    /** The key of a row: its unique-key columns, or null without one. */
    public Struct key(List<String> values) {
        if (key == null) {
            return null;
        }
        List<String> k = new ArrayList<>(keyPositions.size());
        for (int i : keyPositions) {
            k.add(values.get(i));
        }
        return key.struct(k);
    }

    public Struct value(DeltaRecord record) {
        Struct s = new Struct(value).put("tick", record.tick());
        if (record instanceof DeltaRecord.Row r) {
            s.put("kind", "row").put("weight", r.weight()).put("row", row.struct(r.values()));
        } else if (record instanceof DeltaRecord.End e) {
            s.put("kind", "end").put("stream_table", e.streamTable()).put("producer", e.producer())
                    .put("producers", e.producers()).put("partitions", e.partitions()).put("tick_ms", e.tickMillis())
                    .put("initial", e.initial());
        }
        return s;
    }

    /** The delta record a converter read, or a {@link MalformedRecordException} saying what is wrong with it. */
    public static DeltaRecord decode(Object value) {
        Struct s = Envelope.struct(value, "delta");
        try {
            String kind = s.getString("kind");
            long tick = s.getInt64("tick");
            switch (kind) {
                case "row":
                    return new DeltaRecord.Row(tick, Envelope.required(s.getInt64("weight"), "weight", s),
                            RowSchema.texts(Envelope.row(s)));
                case "end":
                    return new DeltaRecord.End(tick, Envelope.required(s.getInt64("stream_table"), "stream_table", s),
                            Envelope.required(s.getInt32("producer"), "producer", s),
                            Envelope.required(s.getInt32("producers"), "producers", s),
                            Envelope.required(s.getInt32("partitions"), "partitions", s),
                            Envelope.required(s.getInt64("tick_ms"), "tick_ms", s),
                            Boolean.TRUE.equals(s.getBoolean("initial")));
                default:
                    throw new MalformedRecordException("unknown delta record kind \"" + kind + "\": " + Envelope.abbreviate(s));
            }
        } catch (DataException | ClassCastException | IllegalArgumentException | NullPointerException e) {
            if (e instanceof MalformedRecordException m) {
                throw m;
            }
            throw new MalformedRecordException("not a Trickle delta record (" + e.getMessage() + "): "
                    + Envelope.abbreviate(s), e);
        }
    }
}
