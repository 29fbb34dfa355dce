package dev.trickle.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stream tables this task has seen dropped: their delta topics are deleted soon after, and the task commits no
 * offsets for them. Why: Connect commits a partition's offset synchronously when the partition is revoked, and for a
 * deleted topic the broker answers "does not host this topic-partition", which the consumer retries until
 * default.api.timeout.ms; the task, and with it its group's rebalance, waits that long. Nothing is lost by not
 * committing: the stream table is gone, so any redelivered record of it is discarded.
 *
 * <p>A stream table counts as dropped once an apply found it gone, or once it was in the catalog at one look and
 * missing at the next (a stream table created after the last look is not mistaken for a dropped one).
 */
final class DroppedStreamTables {
    private final Set<Long> dropped = ConcurrentHashMap.newKeySet();
    /** The ids at the last look; null before the first. Used by the heartbeat thread only. */
    private Set<Long> live;

    boolean contains(long id) {
        return dropped.contains(id);
    }

    void add(long id) {
        if (id >= 0) {
            dropped.add(id);
        }
    }

    /** Reads the catalog's stream tables; those of the last look that are gone now count as dropped. */
    void look(Connection conn) throws SQLException {
        Set<Long> now = new HashSet<>();
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT pgt_id FROM pgtrickle.pgt_stream_tables")) {
            while (rs.next()) {
                now.add(rs.getLong(1));
            }
        }
        if (live != null) {
            live.stream().filter(id -> !now.contains(id)).forEach(dropped::add);
        }
        live = now;
    }
}
