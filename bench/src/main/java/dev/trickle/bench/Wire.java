package dev.trickle.bench;

import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DecimalHandling;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowReader;
import dev.trickle.core.connect.StreamingJsonConverter;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records as the pipeline carries them on its topics with the shipped default converter (config/:
 * StreamingJsonConverter without schemas, {@code decimal.handling.mode=string}): a change row as the source
 * connector writes it (key and value) and the streams app reads it, a delta row as the streams app writes it
 * and the sink reads it, both by the columns' PostgreSQL types, through core's Connect mapping
 * ({@code core.connect}).
 */
final class Wire {
    private final StreamingJsonConverter keys = new StreamingJsonConverter();
    private final StreamingJsonConverter values = new StreamingJsonConverter();
    private final Map<String, ChangeRecords> changeSchemas = new HashMap<>();
    private final Map<String, RowReader> changeReaders = new HashMap<>();
    private final DeltaRecords deltaSchemas;
    private final RowReader deltaReader;
    private final String deltaTopic;

    /** The wire of one stream table's sources and its delta topic; its column types come from its storage table. */
    Wire(Connection c, List<SourceTable> sources, String streamTable, List<String> outputColumns,
         List<Integer> uniqueKey) throws SQLException {
        keys.configure(Map.of("schemas.enable", "false"), true);
        values.configure(Map.of("schemas.enable", "false"), false);
        for (SourceTable s : sources) {
            List<String> names = s.columns().stream().map(SourceColumn::name).toList();
            List<String> types = s.columns().stream().map(SourceColumn::pgType).toList();
            List<String> key = s.uniqueKeys().isEmpty() ? List.of()
                    : s.uniqueKeys().get(0).stream().map(names::get).toList();
            changeSchemas.put(s.qualifiedName(), TopicSchemas.change("trickle.changes." + s.qualifiedName(), names,
                    types, key, DecimalHandling.STRING));
            changeReaders.put(s.qualifiedName(), RowReader.of(names, types));
        }
        List<String> types = columnTypes(c, streamTable, outputColumns);
        this.deltaTopic = "trickle.delta." + streamTable;
        this.deltaSchemas = TopicSchemas.delta(deltaTopic, outputColumns, types, uniqueKey, DecimalHandling.STRING);
        this.deltaReader = RowReader.of(outputColumns, types);
    }

    /** A change row through the change topic: the source connector's key and value, the streams app's read. */
    ChangeRecord.Row change(String source, long tick, int weight, Map<String, String> row) {
        ChangeRecords schemas = changeSchemas.get(source);
        String topic = "trickle.changes." + source;
        keys.fromConnectData(topic, schemas.keySchema(), schemas.key(row));
        byte[] wire = values.fromConnectData(topic, schemas.valueSchema(),
                schemas.value(new ChangeRecord.Row(tick, weight, row, null)));
        return (ChangeRecord.Row) ChangeRecords.decode(values.toConnectData(topic, wire).value(),
                changeReaders.get(source));
    }

    /** A delta row through the delta topic: the streams app's key and value, the sink's read. */
    DeltaRecord.Row delta(long tick, long weight, List<String> row) {
        if (deltaSchemas.keySchema() != null) {
            keys.fromConnectData(deltaTopic, deltaSchemas.keySchema(), deltaSchemas.key(row));
        }
        byte[] wire = values.fromConnectData(deltaTopic, deltaSchemas.valueSchema(),
                deltaSchemas.value(new DeltaRecord.Row(tick, weight, row)));
        return (DeltaRecord.Row) DeltaRecords.decode(values.toConnectData(deltaTopic, wire).value(), deltaReader);
    }

    private static List<String> columnTypes(Connection c, String table, List<String> columns) throws SQLException {
        Map<String, String> byName = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byName.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String col : columns) {
            out.add(byName.getOrDefault(col, "text"));
        }
        return out;
    }
}
