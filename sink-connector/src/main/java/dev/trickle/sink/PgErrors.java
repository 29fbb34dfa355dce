package dev.trickle.sink;

import java.sql.Connection;
import java.sql.SQLException;

/** Tells a failure worth retrying on a new connection from one that the same delta would hit again. */
final class PgErrors {
    private PgErrors() {
    }

    /**
     * Lost or refused connections, server shutdown, lack of resources, serialization failures, deadlocks,
     * lock and statement timeouts: retrying later can succeed. Checked after rollback, so that a connection
     * which died without a telling SQLSTATE is caught by the validity probe.
     */
    static boolean retriable(SQLException e, Connection c) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && retriableState(s.getSQLState())) {
                return true;
            }
        }
        try {
            return c == null || c.isClosed() || !c.isValid(5);
        } catch (SQLException probe) {
            return true;
        }
    }

    static boolean retriableState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08") // connection exception
                || state.startsWith("53") // insufficient resources (disk full, too many connections)
                || state.startsWith("57P") // admin / crash shutdown, cannot connect now
                || state.equals("57014") // statement timeout or cancel
                || state.equals("40001") // serialization failure
                || state.equals("40P01") // deadlock
                || state.equals("55P03"); // lock not available
    }
}
