package dev.trickle.core.pg;

import java.io.IOException;
import java.sql.SQLException;

/**
 * The one list of PostgreSQL errors that Trickle's components retry (on a new connection, after a backoff)
 * instead of failing: the same statement can succeed later because the cause is the connection, the server's
 * state or a conflict with another session, not the statement or the data. Errors that the same work would hit
 * again (syntax, privileges, constraints, missing objects) are not in it.
 */
public final class PgTransientErrors {
    private PgTransientErrors() {
    }

    /** Whether {@code e}, or an SQL error or I/O failure it was caused by, is worth a retry. */
    public static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && isTransientState(s.getSQLState())) {
                return true;
            }
            if (t instanceof IOException) {
                return true; // the driver lost the socket: a connection problem, whatever the state says
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Whether an error with this SQLSTATE is worth a retry; false for null. */
    public static boolean isTransientState(String state) {
        if (state == null || state.length() != 5) {
            return false;
        }
        return state.startsWith("08") // connection exception: refused, lost, or failed to establish
                || state.startsWith("53") // insufficient resources: disk full, out of memory, too many connections
                || state.startsWith("57") // operator intervention: server shut down or restarting, cancel, timeout
                || state.equals("40001") // serialization failure: a concurrent transaction won
                || state.equals("40P01") // deadlock detected: the other transaction went on, ours can too
                || state.equals("40003") // statement completion unknown: the connection went during the commit
                || state.equals("55P03") // lock not available (lock_timeout, NOWAIT)
                || state.equals("58000") // system error: the server's OS failed, not our statement
                || state.equals("58030"); // I/O error on the server
    }
}
