package dev.trickle.cli;

import dev.trickle.core.connect.ColumnKind;
import dev.trickle.core.connect.ConnectNames;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.storage.Converter;

/**
 * Turns a delta topic's record bytes into a {@link DeltaRecord} through the pipeline's own value converter, and
 * nothing else: the one place {@code trickle tail} depends on the record format. A record with a Connect schema
 * (a Struct: JsonConverter with schemas, Avro) is read by core's reader ({@link DeltaRecords#decode}); a schemaless one
 * (JsonConverter with {@code schemas.enable=false}: a map, its fields unordered) is read by the stream table's
 * column names and types from the catalog, which is why the columns are given here and never taken from the
 * record.
 */
final class TailDecoder {
    private final Converter values;
    private final List<String> fields;
    private final List<ColumnKind> kinds;

    /**
     * @param columns the stream table's columns in order, as the catalog has them
     * @param pgTypes their {@code format_type()}s
     */
    TailDecoder(Converter values, List<String> columns, List<String> pgTypes) {
        this.values = values;
        this.fields = ConnectNames.fields(columns);
        this.kinds = pgTypes.stream().map(ColumnKind::of).toList();
    }

    /** The record, or a {@link MalformedRecordException} saying why it cannot be read. */
    DeltaRecord decode(String topic, byte[] value) {
        if (value == null) {
            throw new MalformedRecordException("a record without a value (null)");
        }
        Object data;
        try {
            data = values.toConnectData(topic, value).value();
        } catch (RuntimeException e) {
            throw new MalformedRecordException(values.getClass().getSimpleName() + " cannot read the record ("
                    + Main.message(e) + "): is the converter the one the pipeline writes with (--config, --converter)?", e);
        }
        if (data instanceof Map<?, ?> map) {
            return schemaless(map);
        }
        return DeltaRecords.decode(data);
    }

    /** A schemaless envelope: a map with kind, tick, weight and row (a map by field name), as docs/record-format.md. */
    private DeltaRecord schemaless(Map<?, ?> envelope) {
        Object kind = envelope.get("kind");
        long tick = number(envelope, "tick");
        if ("row".equals(kind)) {
            if (!(envelope.get("row") instanceof Map<?, ?> row)) {
                throw new MalformedRecordException("a row record without a row: " + abbreviate(envelope));
            }
            List<String> texts = new ArrayList<>(fields.size());
            for (int i = 0; i < fields.size(); i++) {
                texts.add(text(kinds.get(i), row.get(fields.get(i))));
            }
            return new DeltaRecord.Row(tick, number(envelope, "weight"), texts);
        }
        if ("end".equals(kind)) {
            return new DeltaRecord.End(tick, number(envelope, "stream_table"), (int) number(envelope, "producer"),
                    (int) number(envelope, "producers"), (int) number(envelope, "partitions"),
                    number(envelope, "tick_ms"), Boolean.TRUE.equals(envelope.get("initial")));
        }
        throw new MalformedRecordException("not a Trickle delta record (kind " + kind + "): " + abbreviate(envelope));
    }

    /**
     * A schemaless value as PostgreSQL's text where its JSON form differs from it (dates as day numbers, timestamps
     * as microseconds or ISO text); a value in another form than the reader expects is shown as it came.
     */
    private static String text(ColumnKind kind, Object value) {
        if (value == null) {
            return null;
        }
        try {
            return switch (kind) {
                case DECIMAL, VARIABLE_DECIMAL -> value instanceof BigDecimal d ? d.toPlainString() : value.toString();
                case STRING -> value.toString();
                default -> kind.toText(value);
            };
        } catch (RuntimeException e) {
            return value.toString();
        }
    }

    private static long number(Map<?, ?> envelope, String field) {
        if (envelope.get(field) instanceof Number n) {
            return n.longValue();
        }
        throw new MalformedRecordException("record has no number \"" + field + "\": " + abbreviate(envelope));
    }

    private static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
