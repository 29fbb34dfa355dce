package dev.trickle.source;

import dev.trickle.core.pg.PgRedaction;
import dev.trickle.core.pg.PgTransientErrors;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Opening PostgreSQL sessions the way the connector needs them, and telling transient errors from others. */
final class PgConnections {
    private PgConnections() {
    }

    /**
     * A session whose {@code getString()} values are PostgreSQL's own text output: text transfer only
     * (binary values would be formatted by the driver instead), and a fixed time zone, so that the
     * same timestamptz reads as the same text in every tick, whichever worker reads it.
     */
    static Connection open(String url, String user, String password, String purpose) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("ApplicationName", "trickle-source " + purpose);
        props.setProperty("binaryTransfer", "false");
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        // Never a server-side prepared statement: a plan cached on the server keeps the row type a source
        // had when it was prepared (jsonb_populate_record(NULL::source, ...) does not make the plan depend
        // on the table), so after ALTER TABLE ... DROP COLUMN it fails with "attribute N of type record has
        // been dropped", and after ADD COLUMN it silently leaves the new column out; a statement only
        // described (getMetaData) is named and kept too, unless the driver caches none. Parsing each
        // statement anew costs little next to reading a tick.
        props.setProperty("prepareThreshold", "0");
        props.setProperty("preparedStatementCacheQueries", "0");
        Connection c = DriverManager.getConnection(url, props);
        try (Statement s = c.createStatement()) {
            // A tick's transaction stays open while Connect sends its records: a server-wide idle timeout
            // must not end it half-way.
            s.execute("SET TimeZone = 'UTC'; SET idle_in_transaction_session_timeout = 0; SET statement_timeout = 0");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Closes {@code c} (null: nothing), a broken session too. */
    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a broken session
            }
        }
    }

    /** The URL without passwords, for logs, error messages and the source offset partition. */
    static String redact(String url) {
        return PgRedaction.redact(url);
    }

    /**
     * Errors worth retrying after a reconnect: Trickle's list of transient errors ({@link PgTransientErrors}),
     * and, for the source alone, relations dropped while a tick read them (the next tick sees the drop in its
     * snapshot and handles it).
     */
    static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return PgTransientErrors.isTransient(e) || "42P01".equals(state) || "42704".equals(state);
    }

    /** What went wrong when connecting, and what to check, for {@code validate()} and start-up failures. */
    static String describeConnectFailure(String url, String user, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String hint;
        if (state.equals("28P01") || state.equals("28000")) {
            hint = "Check pg.user and pg.password, and that pg_hba.conf lets this user connect from the Connect worker.";
        } else if (state.equals("3D000")) {
            hint = "Check the database name at the end of pg.url, or create the database.";
        } else if (state.startsWith("08")) {
            hint = "Check that PostgreSQL is running and reachable from the Connect worker at the host and port of "
                    + "pg.url (firewall, listen_addresses).";
        } else {
            hint = "Check pg.url, pg.user and pg.password.";
        }
        return "Could not connect to PostgreSQL at " + redact(url) + " as user '" + user + "': " + e.getMessage()
                + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")") + ". " + hint;
    }
}
