package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The parts a tick is read in. Each step hands out records a batch at a time and keeps its cursor
 * open between batches, so that a tick of any size never sits in memory as a whole.
 */
final class TickSteps {
    static final long PROGRESS_EVERY = 100_000;

    private TickSteps() {
    }

    /** Where a source whose changes could not be read is reported; may end the tick attempt. */
    interface SourceFailures {
        /** @param handedOut whether rows of the source already left the task in earlier batches */
        void failed(CapturedSource source, String message, boolean handedOut) throws SQLException;

        /** The source's changes are about to be read with these columns (in order). */
        default void opened(CapturedSource source, List<String> columns) {
        }
    }

    /** Where a stream table whose initial fill failed is recorded (in ERROR, committed at once). */
    interface FillFailures {
        void failed(Catalog.Fill fill, String message) throws SQLException;
    }

    interface Step extends AutoCloseable {
        /** Adds at most {@code room} records to {@code out}; returns true once the step has no more. */
        boolean emit(List<SourceRecord> out, int room) throws SQLException;

        @Override
        default void close() throws SQLException {
        }
    }

    /**
     * The buffer rows of one source that belong to the tick, in capture order. Snapshots are bound as
     * parameters ({@code upper}: the tick's own snapshot, only when replaying; {@code lower}: the
     * previous tick's). The xid range conditions repeat what visibility implies, so the xid index can
     * skip rows of older ticks not cleaned yet.
     */
    static final class Changes extends Cursor {
        private static final String SAVEPOINT = "trickle_source";
        /**
         * A typed buffer is (__pgt_change_id, __pgt_xid, __pgt_op, the source's columns in order): the catalog
         * keeps its columns in step with the source's (V0_4_0_8), so b.* reads them as the source has them now.
         */
        private static final int OP_COLUMN = 3;
        private static final int FIRST_COLUMN = 4;
        private final CapturedSource source;
        private final Connection connection;
        private final SourceFailures failures;
        private boolean savepoint;
        private long rows;
        private dev.trickle.core.connect.ChangeRecords schemas;

        Changes(Connection c, RecordFactory.Tick tick, CapturedSource source, String upper, String lower,
                int fetchSize, long[] counter, SourceFailures failures) {
            super(c, tick, sql(source, upper != null, lower != null), params(upper, lower), fetchSize, counter);
            this.source = source;
            this.connection = c;
            this.failures = failures;
        }

        /**
         * Reads behind a savepoint of its own: an error that concerns this source only (a buffered value
         * that no longer fits a column whose type changed, say) rolls back to it and goes to
         * {@link SourceFailures}, and the tick goes on with the other sources. Lost sessions and other
         * troubles of the tick as a whole go up (the task takes the tick again).
         */
        @Override
        public boolean emit(List<SourceRecord> out, int room) throws SQLException {
            if (!savepoint) {
                execute("SAVEPOINT " + SAVEPOINT);
                savepoint = true;
            }
            int start = out.size();
            long before = rows;
            try {
                if (!isOpen()) {
                    open();
                    List<String> columns = columns();
                    failures.opened(source, columns.subList(FIRST_COLUMN - 1, columns.size()));
                    schemas = tick.changeSchemas(source, columns.subList(FIRST_COLUMN - 1, columns.size()),
                            types().subList(FIRST_COLUMN - 1, columns.size()));
                }
                boolean done = super.emit(out, room);
                if (done) {
                    execute("RELEASE SAVEPOINT " + SAVEPOINT);
                }
                return done;
            } catch (SQLException e) {
                if (PgConnections.isTransient(e) || !FullRefresh.isQueryFailure(e)) {
                    throw e;
                }
                try {
                    close();
                    execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
                    execute("RELEASE SAVEPOINT " + SAVEPOINT);
                } catch (SQLException again) {
                    e.addSuppressed(again);
                    throw e;
                }
                out.subList(start, out.size()).clear();
                rows = before;
                failures.failed(source, FullRefresh.serverMessage(e), before > 0);
                return true;
            }
        }

        private void execute(String sql) throws SQLException {
            try (java.sql.Statement s = connection.createStatement()) {
                s.execute(sql);
            }
        }

        private static String sql(CapturedSource source, boolean upper, boolean lower) {
            StringBuilder where = new StringBuilder("TRUE");
            if (upper) {
                where.append(" AND b.__pgt_xid < pg_snapshot_xmax(?::pg_snapshot)"
                        + " AND pg_visible_in_snapshot(b.__pgt_xid, ?::pg_snapshot)");
            }
            if (lower) {
                where.append(" AND b.__pgt_xid >= pg_snapshot_xmin(?::pg_snapshot)"
                        + " AND NOT pg_visible_in_snapshot(b.__pgt_xid, ?::pg_snapshot)");
            }
            return "SELECT b.* FROM " + source.buffer() + " b WHERE " + where + " ORDER BY b.__pgt_change_id";
        }

        private static String[] params(String upper, String lower) {
            if (upper != null && lower != null) {
                return new String[] {upper, upper, lower, lower};
            } else if (upper != null) {
                return new String[] {upper, upper};
            } else if (lower != null) {
                return new String[] {lower, lower};
            }
            return new String[0];
        }

        /** The rows this source has in the tick (so far: all of them once the step is done). */
        long rows() {
            return rows;
        }

        @Override
        SourceRecord toRecord(ResultSet rs) throws SQLException {
            // '+' inserted; '-' deleted; 'T' removed by TRUNCATE
            int weight = "+".equals(rs.getString(OP_COLUMN)) ? 1 : -1;
            rows++;
            return tick.row(source, schemas, weight, namedValues(rs, FIRST_COLUMN), null);
        }
    }

    /**
     * Every row of a source at the tick's snapshot, tagged for the one stream table being filled, read
     * from the source as it is: the change buffers hold the source's columns with their own types, so a
     * row reads as the same text in the fill and in a later change (json values included), which the
     * engine needs to match a later -old row with the filled one.
     */
    static final class FillRows extends Cursor {
        private final CapturedSource source;
        private final Catalog.Fill fill;

        private final FillFailures failures;
        private final FillProgress progress;
        private dev.trickle.core.connect.ChangeRecords schemas;

        FillRows(Connection c, RecordFactory.Tick tick, CapturedSource source, Catalog.Fill fill, int fetchSize,
                 long[] counter, FillFailures failures, FillProgress progress) {
            // t.*, not t: a column named t would win over the row alias. An upstream stream table's rows are
            // read as stored too: its later deltas carry the text the sink stored.
            super(c, tick, "SELECT t.* FROM " + source.relation() + " t", new String[0], fetchSize, counter);
            this.source = source;
            this.fill = fill;
            this.failures = failures;
            this.progress = progress;
        }

        /**
         * A fill that fails for a reason of its own (a value that does not read back into its column, a
         * missing privilege) stops only its stream table; the tick is then taken again without it, since
         * its Init markers have gone out before.
         */
        @Override
        public boolean emit(List<SourceRecord> out, int room) throws SQLException {
            try {
                return super.emit(out, room);
            } catch (SQLException e) {
                if (PgConnections.isTransient(e) || !FullRefresh.isQueryFailure(e)) {
                    throw e;
                }
                String message = "the initial fill failed at tick " + tick.tick + " reading source table "
                        + source.displayName() + ": " + FullRefresh.serverMessage(e) + ". Fix the cause, then run "
                        + "pgtrickle.refresh_stream_table('" + fill.displayName().replace("'", "''") + "')";
                failures.failed(fill, message);
                throw new FullRefresh.TickRestart("Tick " + tick.tick + " is taken again without the fill of "
                        + fill.displayName() + ", which failed", e);
            }
        }

        @Override
        SourceRecord toRecord(ResultSet rs) throws SQLException {
            if (schemas == null) {
                schemas = tick.changeSchemas(source, columns(), types());
            }
            return tick.row(source, schemas, 1, namedValues(rs, 1), fill.pgtId());
        }

        @Override
        void progress(long rows, boolean done) {
            progress.read(fill, tick.tick, source.relid(), rows, done);
        }
    }

    /**
     * Stream table {@code pgtId} starts at this tick: a marker on every partition of the source's topic,
     * naming, for an upstream stream table, the tick its rows show.
     */
    static final class InitMarkers implements Step {
        private final RecordFactory.Tick tick;
        private final CapturedSource source;
        private final long pgtId;
        private final Long upstreamTick;
        private final int partitions;
        private int next;

        InitMarkers(RecordFactory.Tick tick, CapturedSource source, long pgtId, Long upstreamTick, int partitions) {
            this.tick = tick;
            this.source = source;
            this.pgtId = pgtId;
            this.upstreamTick = upstreamTick;
            this.partitions = partitions;
        }

        @Override
        public boolean emit(List<SourceRecord> out, int room) {
            for (int i = 0; i < room && next < partitions; i++, next++) {
                out.add(tick.init(source, next, pgtId, upstreamTick));
            }
            return next == partitions;
        }
    }

    /** The tick's end on every partition of every source; the very last one closes the tick. */
    static final class EndMarkers implements Step {
        private final RecordFactory.Tick tick;
        private final List<CapturedSource> sources;
        private final int partitions;
        private int next;

        EndMarkers(RecordFactory.Tick tick, List<CapturedSource> sources, int partitions) {
            this.tick = tick;
            this.sources = sources;
            this.partitions = partitions;
        }

        @Override
        public boolean emit(List<SourceRecord> out, int room) {
            int total = sources.size() * partitions;
            for (int i = 0; i < room && next < total; i++, next++) {
                out.add(tick.end(sources.get(next / partitions), next % partitions, next == total - 1));
            }
            return next == total;
        }
    }

    /** A query read through a server-side cursor, {@code fetchSize} rows at a time. */
    abstract static class Cursor implements Step {
        /** PostgreSQL's SQLSTATE class for data exceptions (22000). */
        private static final String DATA_EXCEPTION = "22000";
        final RecordFactory.Tick tick;
        private final Connection connection;
        private final String sql;
        private final String[] params;
        private final int fetchSize;
        private final long[] counter;
        private PreparedStatement statement;
        private ResultSet rows;
        private String[] columns;
        private List<String> types;
        private long read;

        Cursor(Connection connection, RecordFactory.Tick tick, String sql, String[] params, int fetchSize,
               long[] counter) {
            this.connection = connection;
            this.tick = tick;
            this.sql = sql;
            this.params = params;
            this.fetchSize = fetchSize;
            this.counter = counter;
        }

        /** The record of the current row of {@code rs}. */
        abstract SourceRecord toRecord(ResultSet rs) throws SQLException;

        /** The current row's values from column {@code first} on, keyed by column name (text form). */
        final Map<String, String> namedValues(ResultSet rs, int first) throws SQLException {
            Map<String, String> values = new LinkedHashMap<>();
            for (int col = first; col <= columns.length; col++) {
                values.put(columns[col - 1], rs.getString(col));
            }
            return values;
        }

        /** The current row's values, positional (text form). */
        final List<String> positionalValues(ResultSet rs) throws SQLException {
            List<String> values = new ArrayList<>(columns.length);
            for (int col = 1; col <= columns.length; col++) {
                values.add(rs.getString(col));
            }
            return values;
        }

        void progress(long rows, boolean done) {
        }

        @Override
        public boolean emit(List<SourceRecord> out, int room) throws SQLException {
            if (rows == null) {
                open();
            }
            for (int i = 0; i < room; i++) {
                if (!rows.next()) {
                    progress(read, true);
                    close();
                    return true;
                }
                out.add(record(rows));
                read++;
                counter[0]++;
                progress(read, false);
            }
            return false;
        }

        /**
         * A value the topic's record cannot carry (a numeric NaN has no Connect Decimal) is a data error of
         * this query, like a value PostgreSQL could not read: the step's own failure path then stops only
         * the stream tables over this source (or this fill, or this FULL stream table), never the task.
         */
        private SourceRecord record(ResultSet rs) throws SQLException {
            try {
                return toRecord(rs);
            } catch (DataException e) {
                throw new SQLException(e.getMessage(), DATA_EXCEPTION, e);
            }
        }

        final boolean isOpen() {
            return rows != null;
        }

        /** The result's column names, once {@link #open()}ed. */
        final List<String> columns() {
            return List.of(columns);
        }

        final void open() throws SQLException {
            statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(fetchSize);
            for (int i = 0; i < params.length; i++) {
                statement.setString(i + 1, params[i]);
            }
            rows = statement.executeQuery();
            ResultSetMetaData meta = rows.getMetaData();
            columns = new String[meta.getColumnCount()];
            for (int i = 0; i < columns.length; i++) {
                columns[i] = meta.getColumnLabel(i + 1);
            }
            types = JdbcTypes.of(meta, 1);
        }

        /** The result's column types ({@code format_type} spelling), once {@link #open()}ed. */
        final List<String> types() {
            return types;
        }

        @Override
        public void close() throws SQLException {
            if (statement != null) {
                statement.close();
                statement = null;
            }
        }
    }
}
