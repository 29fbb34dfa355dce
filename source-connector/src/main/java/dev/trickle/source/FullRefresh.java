package dev.trickle.source;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.connect.source.SourceRecord;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream table in FULL mode at one tick. When it needs its first fill, or one of its sources has
 * changed rows in the tick, its defining query runs in the tick's REPEATABLE READ transaction (so at
 * exactly the tick's snapshot), under the search path it was created with, and every result row goes
 * to its delta topic with weight 1; an End marker marked {@code initial} (the result replaces the
 * stream table's content) follows, all on partition 0 of the delta topic. Otherwise only End markers go out, not initial,
 * so that the stream table still advances to the tick.
 *
 * <p>The query runs with the privileges of the stream table's owner (the owner of its storage table),
 * never with the pipeline's own: {@code SET LOCAL ROLE} behind the savepoint, which the pipeline's role
 * may do as a member of the owner's role (or as a superuser), then through the owner's SECURITY DEFINER
 * function {@code pgtrickle._full_as_<owner oid>} (migration V0_4_0_10), inside which PostgreSQL refuses
 * any role switch: under SET ROLE alone a function the query calls could RESET ROLE to the pipeline's.
 * The tick's transaction is READ ONLY (PostgreSQL fixes that at its first query, and a subtransaction
 * cannot turn it off), so a function the query calls cannot write either.
 *
 * <p>The query runs behind a savepoint. When it fails (division by zero, a column dropped since, ...)
 * the transaction rolls back to the savepoint, the stream table goes to ERROR with PostgreSQL's
 * message, and the tick goes on without it. If some of its rows had already left the task in an
 * earlier batch, they cannot be taken back: then {@link TickRestart} makes the task abort the tick's
 * Kafka transaction and take the tick again (the stream table, now in ERROR, is no longer part of it).
 */
final class FullRefresh implements TickSteps.Step {
    private static final Logger LOG = LoggerFactory.getLogger(FullRefresh.class);
    private static final String SAVEPOINT = "trickle_full_refresh";
    /** Our own SQLSTATE for a stream table whose owner has no FULL-refresh function (undefined_function). */
    private static final String NO_RUNNER = "42883";

    /** Where a failed refresh is recorded (the task's catalog write session; commits at once). */
    interface Failures {
        void failed(Catalog.FullTable table, String message) throws SQLException;
    }

    /** A refresh failed after some of its rows left the task: the tick must be aborted and taken again. */
    static final class TickRestart extends RuntimeException {
        TickRestart(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private enum Phase { DECIDE, ROWS, MARKERS, DONE }

    private final Connection read;
    private final RecordFactory.Tick tick;
    private final Catalog.FullTable table;
    private final String topic;
    private final BooleanSupplier changed;
    private final Failures failures;
    private final Rows rows;
    private Phase phase = Phase.DECIDE;
    private boolean initial;
    private boolean roleSet;
    private long handedOut;

    /**
     * @param changed  whether a source of the stream table has rows in the tick; asked once the
     *                 source's changes have all been read (the FULL steps come after them)
     * @param counter  counts the result rows of all FULL refreshes of the tick
     */
    FullRefresh(Connection read, RecordFactory.Tick tick, Catalog.FullTable table, String topic,
                BooleanSupplier changed, int fetchSize, long[] counter, Failures failures) {
        this.read = read;
        this.tick = tick;
        this.table = table;
        this.topic = topic;
        this.changed = changed;
        this.failures = failures;
        this.rows = new Rows(read, tick, table, topic, fetchSize, counter);
    }

    /** The stream table got its first fill at this tick (so it no longer needs one). */
    boolean filled() {
        return table.needsInit() && initial;
    }

    long pgtId() {
        return table.pgtId();
    }

    @Override
    public boolean emit(List<SourceRecord> out, int room) throws SQLException {
        int start = out.size();
        if (phase == Phase.DECIDE) {
            phase = table.needsInit() || changed.getAsBoolean() ? Phase.ROWS : Phase.MARKERS;
        }
        if (phase == Phase.ROWS) {
            try {
                if (!refreshRows(out, room)) {
                    handedOut += out.size() - start;
                    return false;
                }
            } catch (SQLException e) {
                failed(e, out, start);
                return true;
            }
        }
        if (phase == Phase.MARKERS) {
            if (out.size() - start < room) {
                out.add(tick.deltaEnd(topic, table.pgtId(), initial));
                phase = Phase.DONE;
            }
        }
        return phase == Phase.DONE;
    }

    /** Reads up to {@code room} result rows; true once all are read and the search path is restored. */
    private boolean refreshRows(List<SourceRecord> out, int room) throws SQLException {
        if (!rows.opened()) {
            try (Statement s = read.createStatement()) {
                s.execute("SAVEPOINT " + SAVEPOINT);
                if (table.runner() == null) {
                    throw new SQLException("role " + Sql.ident(table.owner()) + ", the stream table's owner, has no "
                            + "FULL-refresh function in the catalog", NO_RUNNER);
                }
                inTimeZone(read, table.pgtId());
                actAsOwner(s, table.owner());
                roleSet = true;
                s.execute("SET LOCAL search_path TO " + searchPath(table.searchPath()));
            }
        }
        if (!rows.emit(out, room)) {
            return false;
        }
        // the result is read and the transaction is read-only: rolling back only restores the role, search path and TimeZone
        rollbackToSavepoint();
        initial = true;
        phase = Phase.MARKERS;
        return true;
    }

    /**
     * Makes the rest of the (sub)transaction run as the stream table's owner, until the savepoint is rolled
     * back. Fails (42501) when the session's role is neither the owner, a member of it, nor a superuser.
     */
    static void actAsOwner(Statement s, String owner) throws SQLException {
        s.execute("SET LOCAL ROLE " + Sql.ident(owner));
    }

    /**
     * Until the savepoint is rolled back, the query is evaluated under the TimeZone recorded with the stream table
     * (as the engine evaluates a DIFFERENTIAL one); its timestamptz values then print with that zone's offsets,
     * which the record converter reads as well as UTC's.
     */
    static void inTimeZone(Connection read, long pgtId) throws SQLException {
        try (PreparedStatement ps = read.prepareStatement("SELECT pg_catalog.set_config('TimeZone', timezone, true) "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?")) {
            ps.setLong(1, pgtId);
            ps.execute();
        }
    }

    /** The stored search path as a SET value: every schema quoted; an empty path stays empty. */
    static String searchPath(List<String> schemas) {
        return schemas.isEmpty() ? "''" : schemas.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }

    /**
     * The query failed. Lost sessions and other failures of the tick as a whole are the tick's (the task
     * retries it); anything else is the query's, and fails only this stream table.
     */
    private void failed(SQLException e, List<SourceRecord> out, int start) throws SQLException {
        if (!isQueryFailure(e)) {
            throw e;
        }
        try {
            rows.close();
            rollbackToSavepoint();
        } catch (SQLException again) {
            e.addSuppressed(again);
            throw e;
        }
        String message = "refreshing in FULL mode failed at tick " + tick.tick + ": " + serverMessage(e) + advice(e);
        failures.failed(table, message);
        phase = Phase.DONE;
        LOG.warn("Stream table {} is now in ERROR: {}", table.displayName(), message);
        if (handedOut > 0) {
            throw new TickRestart("Tick " + tick.tick + " is taken again without stream table " + table.displayName()
                    + ", whose FULL refresh failed after " + handedOut + " of its rows were handed out", e);
        }
        out.subList(start, out.size()).clear();
    }

    /**
     * What to do about a failure that comes from running as the owner, read-only; empty for the query's own
     * errors (division by zero, ...), whose message says enough.
     */
    private String advice(SQLException e) throws SQLException {
        String again = ", then run pgtrickle.refresh_stream_table(" + Sql.literal(table.displayName()) + ")";
        String owner = Sql.ident(table.owner());
        if (NO_RUNNER.equals(e.getSQLState()) && !(e instanceof PSQLException)) {
            return " (the catalog makes it when a stream table of the role is created or refreshed: was the owner "
                    + "changed?). Run pgtrickle.refresh_stream_table(" + Sql.literal(table.displayName()) + ")";
        }
        if (!roleSet) {
            String pipeline;
            try (Statement s = read.createStatement(); ResultSet rs = s.executeQuery("SELECT session_user")) {
                rs.next();
                pipeline = Sql.ident(rs.getString(1));
            }
            return " (a FULL refresh runs with the privileges of the stream table's owner, role " + owner
                    + ", and the pipeline's role " + pipeline + " may not act as it). Run GRANT " + owner + " TO "
                    + pipeline + again;
        }
        if ("42501".equals(e.getSQLState()) && serverMessage(e).contains("security-definer")) {
            return " (a FULL refresh runs with the privileges of the stream table's owner, role " + owner
                    + ", and neither its query nor a function it calls may switch roles). Alter or drop the stream table"
                    + again;
        }
        if ("42501".equals(e.getSQLState())) {
            return " (a FULL refresh runs with the privileges of the stream table's owner, role " + owner
                    + "). Grant " + owner + " what the query reads" + again;
        }
        if ("25006".equals(e.getSQLState()) || "25001".equals(e.getSQLState())) {
            return " (a FULL refresh runs read-only: neither the query nor a function it calls may write). "
                    + "Alter or drop the stream table" + again;
        }
        return "";
    }

    private void rollbackToSavepoint() throws SQLException {
        try (Statement s = read.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
            s.execute("RELEASE SAVEPOINT " + SAVEPOINT);
        }
    }

    static boolean isQueryFailure(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return false;
        }
        return !(state.startsWith("08") || state.startsWith("57") || state.startsWith("40") || state.startsWith("58"));
    }

    /** PostgreSQL's own message, without the driver's "ERROR: " and position details. */
    static String serverMessage(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getMessage() != null) {
            return p.getServerErrorMessage().getMessage();
        }
        return e.getMessage();
    }

    @Override
    public void close() throws SQLException {
        rows.close();
    }

    /** The result rows, read through a server-side cursor like every other part of a tick. */
    private static final class Rows extends TickSteps.Cursor {
        private final Catalog.FullTable table;
        private final String topic;
        private boolean opened;
        private dev.trickle.core.connect.DeltaRecords schemas;

        Rows(Connection c, RecordFactory.Tick tick, Catalog.FullTable table, String topic, int fetchSize,
             long[] counter) {
            // the newline ends a trailing -- comment of the query; the columns by name, in the storage table's order
            super(c, tick, "SELECT * FROM " + table.runner() + "(?) AS q(" + table.columns() + ")",
                    new String[] {"SELECT " + table.names() + " FROM (" + table.query() + "\n) q"}, fetchSize, counter);
            this.table = table;
            this.topic = topic;
        }

        boolean opened() {
            return opened;
        }

        @Override
        public boolean emit(List<SourceRecord> out, int room) throws SQLException {
            opened = true;
            return super.emit(out, room);
        }

        @Override
        SourceRecord toRecord(ResultSet rs) throws SQLException {
            if (schemas == null) {
                schemas = tick.deltaSchemas(topic, columns(), types());
            }
            return tick.deltaRow(topic, schemas, positionalValues(rs));
        }

        @Override
        void progress(long rows, boolean done) {
            if (done) {
                LOG.debug("FULL refresh of stream table {} at tick {}: {} rows", table.displayName(), tick.tick, rows);
            } else if (rows % TickSteps.PROGRESS_EVERY == 0) {
                LOG.info("FULL refresh of stream table {} at tick {}: {} rows read so far", table.displayName(),
                        tick.tick, rows);
            }
        }
    }
}
