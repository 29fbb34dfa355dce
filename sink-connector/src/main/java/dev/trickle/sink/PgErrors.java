package dev.trickle.sink;

import dev.trickle.core.pg.PgTransientErrors;
import java.sql.Connection;
import java.sql.SQLException;

/** Tells a failure worth retrying on a new connection from one that the same delta would hit again. */
final class PgErrors {
    private PgErrors() {
    }

    /**
     * A failure worth retrying on a new connection: one of Trickle's transient errors ({@link PgTransientErrors}),
     * or a connection that died without a telling SQLSTATE, which the validity probe (run after the rollback)
     * catches.
     */
    static boolean retriable(SQLException e, Connection c) {
        if (PgTransientErrors.isTransient(e)) {
            return true;
        }
        try {
            return c == null || c.isClosed() || !c.isValid(5);
        } catch (SQLException probe) {
            return true;
        }
    }

    static boolean retriableState(String state) {
        return PgTransientErrors.isTransientState(state);
    }
}
