package dev.trickle.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;

/**
 * Which tick carries a client's own writes: the first recorded tick whose snapshot sees a transaction that committed
 * after them. Not {@code max(tick_id) + n}: the source task takes ticks' snapshots on time while it is behind and
 * holds them (up to 64), recording each tick, with its id, only when it hands it out; so a tick numbered after a
 * write may carry a snapshot taken before it. A tick's recorded snapshot is exact, and ticks' snapshots follow
 * their ids.
 */
public final class TicksSeeing {
    private TicksSeeing() {
    }

    /**
     * Commits a transaction of its own and returns its id: everything committed before this call committed before
     * it. {@code c} must be in autocommit mode (in an open transaction the id would not be committed yet).
     */
    public static long commitNow(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            throw new IllegalStateException("commitNow needs a connection in autocommit mode");
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_xact_id()::text")) {
            rs.next();
            return Long.parseLong(rs.getString(1));
        }
    }

    /** The first recorded tick whose snapshot sees transaction {@code xid} committed; empty while there is none. */
    public static OptionalLong firstTick(Connection c, long xid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT min(tick_id) FROM pgtrickle.pgt_ticks "
                + "WHERE pg_visible_in_snapshot(?::text::xid8, snapshot)")) {
            ps.setLong(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long tick = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(tick);
            }
        }
    }
}
