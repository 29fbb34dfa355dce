package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;

/** What the tests of FULL refreshes check on a tick's delta records. */
final class FullChecks {
    private FullChecks() {
    }

    static String delta(String schema, String name) {
        return TopicNames.delta("trickle", schema, name);
    }

    /** Hands a stream table to FULL refreshes, as the streams app does for a query it cannot maintain. */
    static long makeFull(String url, String name) throws SQLException {
        TaskHarness.exec(url, "UPDATE pgtrickle.pgt_stream_tables SET effective_mode = 'FULL', engine_ready = true "
                + "WHERE pgt_name = " + dev.trickle.core.pg.Sql.literal(name));
        return pgtId(url, name);
    }

    static long pgtId(String url, String name) throws SQLException {
        return Long.parseLong(TaskHarness.one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = "
                + dev.trickle.core.pg.Sql.literal(name)));
    }

    /** The result of a query now, as a multiset of positional text rows. */
    static Map<List<String>, Long> query(String url, String sql) throws SQLException {
        Map<List<String>, Long> out = new HashMap<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.merge(row, 1L, Long::sum);
            }
        }
        return out;
    }

    /**
     * The rows of a refresh: weight 1 each, without a key (the delta topic of a stream table whose unique key
     * is not known has none, see docs/record-format.md), all on partition 0 (so that one sink
     * task holds the whole tick, whatever the topic's partition count), all before the End marker.
     */
    static Map<List<String>, Long> rows(TaskHarness.Tick t, String topic) {
        Map<List<String>, Long> out = new HashMap<>();
        boolean ended = false;
        for (int i = 0; i < t.records.size(); i++) {
            SourceRecord r = t.records.get(i);
            if (!r.topic().equals(topic)) {
                continue;
            }
            DeltaRecord d = t.deltas.get(i);
            if (d instanceof DeltaRecord.Row row) {
                assertFalse(ended, "rows come before the End markers");
                assertEquals(1, row.weight());
                assertNull(r.key());
                assertNull(r.keySchema());
                assertEquals(0, r.kafkaPartition(), "every row on partition 0");
                out.merge(row.values(), 1L, Long::sum);
            } else {
                ended = true;
            }
        }
        return out;
    }

    /** One End marker, on partition 0 of the delta topic, from the only producer and partition, with the tick's time. */
    static void assertEnds(TaskHarness.Tick t, String topic, long pgtId, boolean initial) {
        long tickMillis = ((ChangeRecord.End) t.decoded.get(t.decoded.size() - 1)).tickMillis();
        List<Integer> partitions = new ArrayList<>();
        for (Map.Entry<Integer, DeltaRecord> e : t.delta(topic)) {
            if (e.getValue() instanceof DeltaRecord.End end) {
                assertEquals(new DeltaRecord.End(t.tick, pgtId, 0, 1, 1, tickMillis, initial), end);
                assertNull(t.records.stream().filter(r -> r.topic().equals(topic) && r.kafkaPartition() == e.getKey()
                        && TaskHarness.delta(r) instanceof DeltaRecord.End).findFirst().orElseThrow().key());
                partitions.add(e.getKey());
            }
        }
        assertEquals(List.of(0), partitions, "one End marker, on partition 0 of " + topic);
    }

    /** A tick in which the stream table had nothing to refresh: End markers only, not initial. */
    static void assertIdle(TaskHarness.Tick t, String topic, long pgtId) {
        assertEquals(Map.of(), rows(t, topic));
        assertEnds(t, topic, pgtId, false);
    }

    static void assertNothingOn(TaskHarness.Tick t, String topic) {
        assertTrue(t.delta(topic).isEmpty(), "no records on " + topic + " at tick " + t.tick);
    }
}
