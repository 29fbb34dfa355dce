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

    /**
     * The delta record a converter read, its row read by the record's own schema (a Struct only); readers that
     * know the stream table's columns use {@link #decode(Object, RowReader)}, which every converter's records pass.
     */
    public static DeltaRecord decode(Object value) {
        return decode(value, null);
    }

    /**
     * The delta record a converter read (Struct or schemaless map), or a {@link MalformedRecordException} saying
     * what is wrong with it. A row's values come as PostgreSQL text in the order of {@code columns} (the stream
     * table's columns and types from the catalog: {@code RowReader.of(names, format_types)}, made once per topic;
     * null: by the record's own schema, Structs only), with its weight and tick.
     */
    public static DeltaRecord decode(Object value, RowReader columns) {
        Envelope s = Envelope.of(value, "delta");
        try {
            String kind = s.kind();
            long tick = s.tick();
            switch (kind) {
                case "row":
                    return new DeltaRecord.Row(tick, s.requiredLong("weight"), row(s.row(), columns));
                case "end":
                    return new DeltaRecord.End(tick, s.requiredLong("stream_table"), s.requiredInt("producer"),
                            s.requiredInt("producers"), s.requiredInt("partitions"), s.requiredLong("tick_ms"),
                            s.flag("initial"));
                default:
                    throw new MalformedRecordException("unknown delta record kind \"" + kind + "\": " + s);
            }
        } catch (DataException | ClassCastException | IllegalArgumentException | NullPointerException
                 | ArithmeticException e) {
            if (e instanceof MalformedRecordException m) {
                throw m;
            }
            throw new MalformedRecordException("not a Trickle delta record (" + e.getMessage() + "): " + s, e);
        }
    }

    private static List<String> row(Object row, RowReader columns) {
        if (columns != null) {
            return columns.texts(row);
        }
        if (row instanceof Struct s) {
            return RowSchema.texts(s);
        }
        throw new MalformedRecordException("a delta row without its schema (" + row.getClass().getSimpleName()
                + ") is read by the stream table's columns from the catalog, which the reader was not given");
    }
}
