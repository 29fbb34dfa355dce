package dev.trickle.core.connect;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
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
    /** The envelope's fields (see TopicSchemas). */
    private final Field kind;
    private final Field tick;
    private final Field weight;
    private final Field streamTable;
    private final Field upstreamTick;
    private final Field partition;
    private final Field partitions;
    private final Field tickMs;
    private final Field rowField;

    ChangeRecords(RowSchema row, RowSchema key, Schema value) {
        this.row = row;
        this.key = key;
        this.value = value;
        this.kind = value.field("kind");
        this.tick = value.field("tick");
        this.weight = value.field("weight");
        this.streamTable = value.field("stream_table");
        this.upstreamTick = value.field("upstream_tick");
        this.partition = value.field("partition");
        this.partitions = value.field("partitions");
        this.tickMs = value.field("tick_ms");
        this.rowField = value.field("row");
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

    /** The record's envelope; its fields are set by {@link StructFill} (their values are of their fields' classes). */
    public Struct value(ChangeRecord record) {
        Struct s = new Struct(value);
        StructFill.set(s, kind, kind(record));
        StructFill.set(s, tick, record.tick());
        if (record instanceof ChangeRecord.Row r) {
            StructFill.set(s, weight, r.weight());
            StructFill.set(s, streamTable, r.streamTable());
            StructFill.set(s, rowField, row.struct(r.values()));
        } else if (record instanceof ChangeRecord.Init i) {
            StructFill.set(s, streamTable, i.streamTable());
            StructFill.set(s, upstreamTick, i.upstreamTick());
        } else if (record instanceof ChangeRecord.End e) {
            StructFill.set(s, partition, e.partition());
            StructFill.set(s, partitions, e.partitions());
            StructFill.set(s, tickMs, e.tickMillis());
        }
        return s;
    }

    private static String kind(ChangeRecord record) {
        if (record instanceof ChangeRecord.Row) {
            return "row";
        }
        return record instanceof ChangeRecord.Init ? "init" : "end";
    }

    /**
     * The change record a converter read, its row read by the record's own schema (a Struct only); readers that
     * know the source's columns use {@link #decode(Object, RowReader)}, which every converter's records pass.
     */
    public static ChangeRecord decode(Object value) {
        return decode(value, null);
    }

    /**
     * The change record a converter read (Struct or schemaless map), its row read by {@code columns} (the source's
     * columns and types from the catalog; null: by the record's own schema, Structs only), or a
     * {@link MalformedRecordException} saying what is wrong with it.
     */
    public static ChangeRecord decode(Object value, RowReader columns) {
        Envelope s = Envelope.of(value, "change");
        try {
            String kind = s.kind();
            long tick = s.tick();
            switch (kind) {
                case "row":
                    return new ChangeRecord.Row(tick, s.requiredInt("weight"), row(s.row(), columns),
                            s.optionalLong("stream_table"));
                case "init":
                    return new ChangeRecord.Init(tick, s.requiredLong("stream_table"), s.optionalLong("upstream_tick"));
                case "end":
                    return new ChangeRecord.End(tick, s.requiredInt("partition"), s.requiredInt("partitions"),
                            s.requiredLong("tick_ms"));
                default:
                    throw new MalformedRecordException("unknown change record kind \"" + kind + "\": " + s);
            }
        } catch (DataException | ClassCastException | IllegalArgumentException | NullPointerException
                 | ArithmeticException e) {
            if (e instanceof MalformedRecordException m) {
                throw m;
            }
            throw new MalformedRecordException("not a Trickle change record (" + e.getMessage() + "): " + s, e);
        }
    }

    private static Map<String, String> row(Object row, RowReader columns) {
        if (columns != null) {
            return columns.named(row);
        }
        if (row instanceof Struct s) {
            return RowSchema.named(s);
        }
        throw new MalformedRecordException("a change row without its schema (" + row.getClass().getSimpleName()
                + ") is read by the source's columns from the catalog, which the reader was not given");
    }
}
