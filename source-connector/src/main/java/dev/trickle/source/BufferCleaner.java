package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what Kafka already holds: buffer rows of transactions visible in the snapshot of a delivered
 * tick (they all belong to that tick or earlier ones), and tick rows long past.
 */
final class BufferCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(BufferCleaner.class);
    /** Old tick rows kept, for monitoring and for recovery of offsets somewhat behind. */
    static final long TICKS_KEPT = 1000;

    private BufferCleaner() {
    }

    static void clean(Connection w, long upTo) throws SQLException {
        Catalog.StoredTick tick = Catalog.tick(w, upTo);
        if (tick == null) {
            w.commit();
            return;
        }
        List<String> buffers = new ArrayList<>();
        try (Statement s = w.createStatement(); ResultSet rs = s.executeQuery("SELECT buffer_table "
                + "FROM pgtrickle.pgt_sources WHERE to_regclass(format('pgtrickle_changes.%I', buffer_table)) IS NOT NULL")) {
            while (rs.next()) {
                buffers.add(rs.getString(1));
            }
        }
        long rows = 0;
        for (String buffer : buffers) {
            try (PreparedStatement ps = w.prepareStatement("DELETE FROM " + dev.trickle.core.pg.Sql.qualified(
                    "pgtrickle_changes", buffer) + " WHERE __pgt_xid < pg_snapshot_xmax(?::pg_snapshot) "
                    + "AND pg_visible_in_snapshot(__pgt_xid, ?::pg_snapshot)")) {
                ps.setString(1, tick.snapshot());
                ps.setString(2, tick.snapshot());
                rows += ps.executeUpdate();
            }
        }
        int ticks;
        try (PreparedStatement ps = w.prepareStatement("DELETE FROM pgtrickle.pgt_ticks WHERE tick_id < ?")) {
            ps.setLong(1, upTo - TICKS_KEPT);
            ticks = ps.executeUpdate();
        }
        w.commit();
        LOG.debug("Ticks up to {} are in Kafka: deleted {} buffer rows from {} change buffers and {} old tick rows",
                upTo, rows, buffers.size(), ticks);
    }
}
