package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Which decoded transactions of each source are the WAL's to capture. A source switched between trigger and WAL
 * capture (migration V0_4_0_19) was captured the old way by every transaction that committed before its switch
 * position and the new way by every later one: the switch held the table's lock while it read the position, so no
 * writer of the table commits in between. A decoded change is thus written to the buffer only if the capture in
 * force at its transaction's commit position is WAL; a trigger already wrote the others.
 *
 * <p>The switches not yet passed by the decoder are rows of {@code pgtrickle.pgt_cdc_switches}, loaded here. Each
 * switch also writes a transactional WAL message ({@value #PREFIX}, content "relid position"), which the decoder
 * meets after the last change of the old capture and before the first of the new: the switches are loaded again
 * then (one committed after the last load is seen before any change it concerns), and the switch's row goes, in
 * the transaction that writes the buffer rows decoded before it.
 */
final class CdcSwitches {
    static final String PREFIX = "pgtrickle_cdc";

    private record Switch(long lsn, boolean fromWal, boolean toWal) {
    }

    /** Whether each source is captured from the WAL now (when it has no pending switch). */
    private final Map<Long, Boolean> current = new HashMap<>();
    /** The pending switches of each source, by position. */
    private final Map<Long, List<Switch>> pending = new HashMap<>();

    /** Reads the sources' capture modes and pending switches (as the caller's transaction sees them). */
    void load(Connection c) throws SQLException {
        current.clear();
        pending.clear();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT source_relid::bigint, cdc_mode = 'wal' FROM pgtrickle.pgt_sources")) {
                while (rs.next()) {
                    current.put(rs.getLong(1), rs.getBoolean(2));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT source_relid::bigint, switch_lsn::text, from_mode = 'wal', "
                    + "to_mode = 'wal' FROM pgtrickle.pgt_cdc_switches ORDER BY source_relid, switch_lsn")) {
                while (rs.next()) {
                    pending.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Switch(
                            LogSequenceNumber.valueOf(rs.getString(2)).asLong(), rs.getBoolean(3), rs.getBoolean(4)));
                }
            }
        }
    }

    /** Whether the source's changes in the transaction committed at {@code commitLsn} are the WAL's to capture. */
    boolean fromWal(long relid, long commitLsn) {
        List<Switch> switches = pending.get(relid);
        if (switches == null) {
            return Boolean.TRUE.equals(current.get(relid));
        }
        boolean wal = switches.get(0).fromWal();
        for (Switch s : switches) {
            if (Long.compareUnsigned(s.lsn(), commitLsn) >= 0) {
                break;
            }
            wal = s.toWal();
        }
        return wal;
    }

    boolean knows(long relid) {
        return current.containsKey(relid);
    }

    /**
     * The decoder met a switch's message: the switch (and any earlier one of that source) is passed, and its row goes
     * in the caller's transaction (committed with the buffer rows decoded before it).
     */
    void passed(Connection w, String content) throws SQLException {
        String[] parts = content.trim().split(" ");
        if (parts.length != 2) {
            throw new SQLException("unexpected capture switch message '" + content + "'", "XX000");
        }
        try (PreparedStatement ps = w.prepareStatement("DELETE FROM pgtrickle.pgt_cdc_switches "
                + "WHERE source_relid = ?::oid AND switch_lsn <= ?::pg_lsn")) {
            ps.setLong(1, Long.parseLong(parts[0]));
            ps.setString(2, parts[1]);
            ps.execute();
        }
        load(w);
    }
}
