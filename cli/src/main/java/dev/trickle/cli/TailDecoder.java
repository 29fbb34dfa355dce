package dev.trickle.cli;

import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import java.util.List;
import org.apache.kafka.connect.storage.Converter;

/**
 * Turns a delta topic's record bytes into a {@link DeltaRecord} through the pipeline's own value converter, and
 * nothing else: the one place {@code trickle tail} depends on the record format. The values are read by core's
 * reader ({@link DeltaRecords#decode(Object, RowReader)}) with the stream table's column names and types from
 * the catalog, never from the record: a schemaless record (JsonConverter with {@code schemas.enable=false}, the
 * shipped default) carries none, and a Struct (JsonConverter with schemas, Avro) is read the same way.
 */
final class TailDecoder {
    private final Converter values;
    private final RowReader columns;

    /**
     * @param columns the stream table's columns in order, as the catalog has them
     * @param pgTypes their {@code format_type()}s
     */
    TailDecoder(Converter values, List<String> columns, List<String> pgTypes) {
        this.values = values;
        this.columns = RowReader.of(columns, pgTypes);
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
        return DeltaRecords.decode(data, columns);
    }
}
