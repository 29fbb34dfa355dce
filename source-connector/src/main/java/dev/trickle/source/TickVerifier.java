package dev.trickle.source;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source connector's part of {@code pgtrickle.verify_stream_table} (see catalog migration V0_4_0_13):
 * at a new tick, while its REPEATABLE READ transaction still holds the tick's snapshot, each stream table
 * a session asks to verify (a shared advisory lock under {@link #LOCK_KEY} in pg_locks) has its defining
 * query evaluated there, as a FULL refresh is (the owner's role, the stored search path, read-only), and
 * the result copied into the verification's result table, committed before the tick's last record leaves
 * the task, so before the sink can apply the tick and compare.
 *
 * <p>The result goes server text to server text ({@code COPY (query) TO STDOUT} on the read session into
 * {@code COPY ... FROM STDIN} on the write session): no value passes through a Java type. A verification
 * never fails the tick: the query's own errors are the verification's verdict (FAILED), anything else is
 * logged and the request stays for the next tick.
 */
final class TickVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TickVerifier.class);
    /** pg_locks.classid of a request; pgtrickle._verify_lock_key() in the catalog. */
    static final long LOCK_KEY = 1885828214L;
    private static final String SAVEPOINT = "trickle_verify";

    private TickVerifier() {
    }

    /** Verifications requested now, evaluated at the tick whose transaction {@code read} holds. */
    static void run(Connection read, Connection write, long tick, String snapshot) {
        List<Long> requested;
        try {
            requested = requested(write);
            write.commit();
        } catch (SQLException e) {
            rollbackQuietly(write);
            LOG.warn("Could not look for verification requests at tick {}: {}", tick, e.getMessage());
            return;
        }
        for (long pgtId : requested) {
            verify(read, write, pgtId, tick, snapshot);
        }
    }

    private static List<Long> requested(Connection write) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = write.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT DISTINCT l.objid::bigint FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' "
                        + "AND l.classid = " + LOCK_KEY + " AND l.objsubid = 2 AND l.granted AND l.database = "
                        + "(SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) "
                        + "ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private static void verify(Connection read, Connection write, long pgtId, long tick, String snapshot) {
        boolean savepoint = false;
        try (PreparedStatement begin = write.prepareStatement("SELECT verification_id, result_table, owner, query, "
                + "search_path FROM pgtrickle._verify_begin(?, ?, ?)")) {
            begin.setLong(1, pgtId);
            begin.setLong(2, tick);
            begin.setString(3, snapshot);
            String table;
            String owner;
            String query;
            List<String> path;
            try (ResultSet rs = begin.executeQuery()) {
                if (!rs.next()) {
                    write.commit(); // one is pending already, or the stream table is gone
                    return;
                }
                table = rs.getString(2);
                owner = rs.getString(3);
                query = rs.getString(4);
                Array a = rs.getArray(5);
                path = Arrays.asList((String[]) a.getArray());
            }
            try (Statement s = read.createStatement()) {
                s.execute("SAVEPOINT " + SAVEPOINT);
                savepoint = true;
                FullRefresh.actAsOwner(s, owner);
                s.execute("SET LOCAL search_path TO " + FullRefresh.searchPath(path));
            }
            inTimeZone(read, write, pgtId);
            long rows = copy(read, write, query, table, columnsOf(write, table));
            rollbackToSavepoint(read);
            savepoint = false;
            write.commit();
            LOG.info("Verification of stream table {} at tick {}: its query has {} row(s); the sink compares when it "
                    + "applies the tick", pgtId, tick, rows);
        } catch (SQLException e) {
            rollbackQuietly(write);
            if (savepoint) {
                try {
                    rollbackToSavepoint(read);
                } catch (SQLException again) {
                    LOG.debug("Rolling back the verification's savepoint failed", again);
                }
            }
            if (PgConnections.isTransient(e) || !FullRefresh.isQueryFailure(e)) {
                LOG.warn("Verification of stream table {} at tick {} is tried again at a later tick: {}", pgtId, tick,
                        e.getMessage());
                return;
            }
            failed(write, pgtId, tick, snapshot, "evaluating the query at tick " + tick + " failed: "
                    + FullRefresh.serverMessage(e));
        }
    }

    /**
     * The result table's columns (the stream table's, in its order) as a select list: the query's columns are taken by
     * name, since alter_stream_table adds a column at the end of the stream table wherever the query has it.
     */
    private static String columnsOf(Connection write, String table) throws SQLException {
        try (PreparedStatement ps = write.prepareStatement("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * Until the savepoint is rolled back, the read session evaluates under the TimeZone recorded with the stream
     * table, the one the engine maintains it under (COPY's text keeps each timestamptz's offset, so the UTC write
     * session reads the same instants).
     */
    private static void inTimeZone(Connection read, Connection write, long pgtId) throws SQLException {
        String zone;
        try (PreparedStatement ps = write.prepareStatement("SELECT timezone FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?")) {
            ps.setLong(1, pgtId);
            try (ResultSet rs = ps.executeQuery()) {
                zone = rs.next() ? rs.getString(1) : null;
            }
        }
        if (zone != null) {
            try (PreparedStatement ps = read.prepareStatement("SELECT pg_catalog.set_config('TimeZone', ?, true)")) {
                ps.setString(1, zone);
                ps.execute();
            }
        }
    }

    /** The query's result in COPY text, from the read session's snapshot into the write session's result table. */
    private static long copy(Connection read, Connection write, String query, String table, String columns)
            throws SQLException {
        // the newline ends a trailing -- comment of the query; table is quoted by the catalog (format %I)
        CopyOut out = read.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY (SELECT " + columns + " FROM (" + query + "\n) q) TO STDOUT");
        CopyIn in = null;
        long rows = 0;
        try {
            in = write.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " FROM STDIN");
            byte[] row;
            while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
                rows++;
            }
            in.endCopy();
            return rows;
        } finally {
            if (out.isActive()) {
                out.cancelCopy();
            }
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static void failed(Connection write, long pgtId, long tick, String snapshot, String message) {
        try (PreparedStatement ps = write.prepareStatement("SELECT pgtrickle._verify_failed(?, ?, ?, ?)")) {
            ps.setLong(1, pgtId);
            ps.setLong(2, tick);
            ps.setString(3, snapshot);
            ps.setString(4, message);
            ps.execute();
            write.commit();
            LOG.warn("Verification of stream table {} failed: {}", pgtId, message);
        } catch (SQLException e) {
            rollbackQuietly(write);
            LOG.warn("Could not record the failed verification of stream table {}: {}", pgtId, e.getMessage());
        }
    }

    private static void rollbackToSavepoint(Connection read) throws SQLException {
        try (Statement s = read.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
            s.execute("RELEASE SAVEPOINT " + SAVEPOINT);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the session is reopened by the task when it is lost
        }
    }
}
