package dev.trickle.streams.runtime;

import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.records.MalformedRecordException;
import dev.trickle.core.records.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The topology tests write and read records as the connectors do, through the shipped JsonConverter without
 * schemas (the app reads them by the planned columns' types, so every column may travel as text), while
 * keeping their records readable: the tests give RecordCodec's JSON text, which these serdes turn into the
 * Struct records on the topics (every column typed text), and back. Text that is no Trickle record goes to
 * the topic as it is, as a foreign producer would write it.
 */
final class Wire {
    private static final JsonConverter VALUES = new JsonConverter();

    static {
        VALUES.configure(Map.of("schemas.enable", "false"), false);
    }

    private Wire() {
    }

    static Serializer<String> changes() {
        return (topic, text) -> {
            ChangeRecord r;
            try {
                r = RecordCodec.decodeChange(text);
            } catch (MalformedRecordException e) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            List<String> columns = r instanceof ChangeRecord.Row row ? new ArrayList<>(row.values().keySet()) : List.of();
            ChangeRecords schemas = TopicSchemas.change(topic, columns, Collections.nCopies(columns.size(), "text"), List.of());
            return VALUES.fromConnectData(topic, schemas.valueSchema(), schemas.value(r));
        };
    }

    /** An upstream's delta records, its rows' values for {@code columns} (the upstream's columns, in order). */
    static Serializer<String> deltas(String... names) {
        return (topic, text) -> {
            DeltaRecord r;
            try {
                r = RecordCodec.decodeDelta(text);
            } catch (MalformedRecordException e) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            List<String> columns = r instanceof DeltaRecord.Row ? List.of(names) : List.of();
            DeltaRecords schemas = TopicSchemas.delta(topic, columns, Collections.nCopies(columns.size(), "text"), List.of());
            return VALUES.fromConnectData(topic, schemas.valueSchema(), schemas.value(r));
        };
    }

    /** A stream table's delta records as RecordCodec's text (its columns read as text, as the app wrote them). */
    static Deserializer<String> deltaText(RunnableStreamTable table) {
        List<String> columns = table.compiled().outputColumns();
        RowReader reader = RowReader.of(columns, Collections.nCopies(columns.size(), "text"));
        return (topic, bytes) -> RecordCodec.encode(DeltaRecords.decode(VALUES.toConnectData(topic, bytes).value(), reader));
    }
}
