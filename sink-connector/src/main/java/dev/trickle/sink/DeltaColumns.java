package dev.trickle.sink;

import dev.trickle.core.TopicNames;
import dev.trickle.core.connect.RowReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The columns and types of the stream table behind each delta topic, from the catalog (its storage table, in
 * column order: what a delta row holds), to read rows written without a schema (JsonConverter with
 * schemas.enable=false) and, the same way, with one. Read once per topic, and again when a row does not fit
 * (the stream table was created again with other columns), at most once per {@link #REFRESH_MS}.
 */
final class DeltaColumns {
    static final long REFRESH_MS = 5_000;
    private static final String SQL = "SELECT s.pgt_schema, s.pgt_name, "
            + "ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 "
            + "      AND NOT a.attisdropped ORDER BY a.attnum), "
            + "ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = r.oid "
            + "      AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) "
            + "FROM pgtrickle.pgt_stream_tables s JOIN pg_class r ON r.oid = s.pgt_relid";

    private final SinkConfig config;
    /** Topic → its stream table's reader (empty: no stream table of the catalog writes it). */
    private final Map<String, Optional<RowReader>> readers = new HashMap<>();
    private final Map<String, Long> readAt = new HashMap<>();
    private final Map<String, Long> failedAt = new HashMap<>();

    DeltaColumns(SinkConfig config) {
        this.config = config;
    }

    /** The reader of a topic's rows, or null when no stream table of the catalog writes it. */
    RowReader reader(String topic) throws SQLException {
        Optional<RowReader> r = readers.get(topic);
        if (r == null) {
            r = load(topic);
        }
        return r.orElse(null);
    }

    /**
     * As {@link #reader}, but null when the catalog cannot be read now (then not tried again for REFRESH_MS): for
     * records that can be read without it.
     */
    RowReader readerIfReachable(String topic) {
        Optional<RowReader> r = readers.get(topic);
        if (r != null) {
            return r.orElse(null);
        }
        Long failed = failedAt.get(topic);
        if (failed != null && System.currentTimeMillis() - failed < REFRESH_MS) {
            return null;
        }
        try {
            return load(topic).orElse(null);
        } catch (SQLException e) {
            failedAt.put(topic, System.currentTimeMillis());
            return null;
        }
    }

    /**
     * How long until the topic's columns may be read again (0: now). A row that does not fit while they may not be
     * read again is held, not taken for malformed: alter_stream_table may have changed them right after a read.
     */
    long refreshWaitMs(String topic) {
        Long at = readAt.get(topic);
        return at == null ? 0 : Math.max(0, REFRESH_MS - (System.currentTimeMillis() - at));
    }

    /** The topic's reader read again, or null when it was read less than REFRESH_MS ago or is the same. */
    RowReader refreshed(String topic) throws SQLException {
        Long at = readAt.get(topic);
        if (at != null && System.currentTimeMillis() - at < REFRESH_MS) {
            return null;
        }
        Optional<RowReader> before = readers.getOrDefault(topic, Optional.empty());
        Optional<RowReader> now = load(topic);
        boolean same = now.isPresent() && before.isPresent() && now.get().columns().equals(before.get().columns());
        return same ? null : now.orElse(null);
    }

    private Optional<RowReader> load(String topic) throws SQLException {
        Optional<RowReader> found = Optional.empty();
        try (Connection c = config.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SQL)) {
            while (rs.next()) {
                // the topic is <prefix>.delta.<schema>.<name>, with the prefix the sink does not know
                if (topic.endsWith(TopicNames.delta("", rs.getString(1), rs.getString(2)))) {
                    found = Optional.of(RowReader.of(Arrays.asList((String[]) rs.getArray(3).getArray()),
                            Arrays.asList((String[]) rs.getArray(4).getArray())));
                }
            }
        }
        readers.put(topic, found);
        readAt.put(topic, System.currentTimeMillis());
        return found;
    }
}
