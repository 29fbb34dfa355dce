package dev.trickle.core.connect;

import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Delta records as Connect Structs, for one stream table's columns ({@link TopicSchemas#delta}); reading
 * needs no columns: {@link #decode} follows the record's own schema and gives the row positionally.
 */
public final class DeltaRecords {
    /** The envelope's fields in TopicSchemas' order, and their positions. */
    private static final List<String> ENVELOPE = List.of("kind", "tick", "weight", "stream_table", "producer",
            "producers", "partitions", "tick_ms", "initial", "row");
    private static final int KIND = 0;
    private static final int TICK = 1;
    private static final int WEIGHT = 2;
    private static final int STREAM_TABLE = 3;
    private static final int PRODUCER = 4;
    private static final int PRODUCERS = 5;
    private static final int PARTITIONS = 6;
    private static final int TICK_MS = 7;
    private static final int INITIAL = 8;
    private static final int ROW = 9;

    private final RowSchema row;
    private final RowSchema key;
    private final List<Integer> keyPositions;
    private final Schema value;
    /** The envelope's fields (see TopicSchemas). */
    private final Field[] envelope;

    DeltaRecords(RowSchema row, RowSchema key, List<Integer> keyPositions, Schema value) {
        this.row = row;
        this.key = key;
        this.keyPositions = keyPositions;
        this.value = value;
        this.envelope = new Field[ENVELOPE.size()];
        for (int i = 0; i < envelope.length; i++) {
            envelope[i] = value.field(ENVELOPE.get(i));
        }
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

    /** The record's envelope; its fields are set by {@link StructFill} (their values are of their fields' classes). */
    public Struct value(DeltaRecord record) {
        Struct s = new Struct(value);
        set(s, TICK, record.tick());
        if (record instanceof DeltaRecord.Row r) {
            set(s, KIND, "row");
            set(s, WEIGHT, r.weight());
            set(s, ROW, row.struct(r.values()));
        } else if (record instanceof DeltaRecord.End e) {
            set(s, KIND, "end");
            set(s, STREAM_TABLE, e.streamTable());
            set(s, PRODUCER, e.producer());
            set(s, PRODUCERS, e.producers());
            set(s, PARTITIONS, e.partitions());
            set(s, TICK_MS, e.tickMillis());
            set(s, INITIAL, e.initial());
        }
        return s;
    }

    private void set(Struct s, int field, Object v) {
        StructFill.set(s, envelope[field], v);
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
