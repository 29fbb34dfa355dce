package dev.trickle.source;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the initial fills of the tick being read are, in {@code pgtrickle.pgt_fill_progress} (shown by
 * {@code pgt_status()}) and in the log: rows read of all the fill's sources, against pg_class.reltuples.
 *
 * <p>The tick is read in one REPEATABLE READ transaction that commits only when the tick is handed out, so the
 * progress goes through a session of its own, in autocommit, every {@value #EVERY_ROWS} rows (a bounded rate: one
 * small UPDATE per 10,000 rows read, nothing a fill notices) and once a source is read to the end. It is best
 * effort: a failure to record it is logged once per fill and never stops the fill.
 */
final class FillProgress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FillProgress.class);
    /** Rows between two updates of the catalog row. */
    static final long EVERY_ROWS = 10_000;
    /** Rows between two log lines. */
    static final long LOG_EVERY_ROWS = 100_000;

    private final SourceConfig config;
    private final Map<Long, Fill> fills = new HashMap<>();
    private Connection session;

    FillProgress(SourceConfig config) {
        this.config = config;
    }

    /** One fill at one tick: rows read per source, which sources are done. */
    private static final class Fill {
        final long tick;
        final Map<Long, Long> read = new HashMap<>();
        final Set<Long> done = new HashSet<>();
        Long estimate;
        boolean failed;

        Fill(long tick) {
            this.tick = tick;
        }

        long total() {
            return read.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Source {@code relid} of {@code fill} has given {@code rows} rows so far at {@code tick}; {@code done}: all of
     * them. Called for every row: does nothing between two updates.
     */
    void read(Catalog.Fill fill, long tick, long relid, long rows, boolean done) {
        if (!done && rows % EVERY_ROWS != 0) {
            return;
        }
        Fill f = fills.get(fill.pgtId());
        if (f == null || f.tick != tick) {
            f = new Fill(tick);
            fills.put(fill.pgtId(), f);
            start(fill, f);
        }
        f.read.put(relid, rows);
        if (done) {
            f.done.add(relid);
        }
        boolean allDone = f.done.containsAll(fill.sources());
        long total = f.total();
        write(fill, f, total, allDone);
        if (allDone) {
            LOG.info("Filling {} at tick {}: all {} rows of its source(s) read", fill.displayName(), tick,
                    String.format("%,d", total));
            fills.remove(fill.pgtId());
        } else if (!done && rows % LOG_EVERY_ROWS == 0) {
            LOG.info("Filling {} at tick {}: {}{} rows read", fill.displayName(), tick, String.format("%,d", total),
                    f.estimate == null ? "" : String.format(" of ~%,d", f.estimate));
        }
    }

    /** The fill's catalog row, started anew: the estimate, nothing read or applied yet. */
    private void start(Catalog.Fill fill, Fill f) {
        try {
            Connection c = session();
            try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN bool_and(c.reltuples >= 0) "
                    + "THEN sum(c.reltuples)::bigint END FROM pg_class c WHERE c.oid = ANY (?::oid[])")) {
                Array relids = c.createArrayOf("bigint", fill.sources().toArray());
                ps.setArray(1, relids);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long e = rs.getLong(1);
                    f.estimate = rs.wasNull() ? null : e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pgtrickle.pgt_fill_progress AS p (pgt_id, "
                    + "tick_id, rows_estimated, rows_read) VALUES (?, ?, ?, 0) ON CONFLICT (pgt_id) DO UPDATE SET "
                    + "tick_id = EXCLUDED.tick_id, rows_estimated = EXCLUDED.rows_estimated, rows_read = 0, "
                    + "read_done = false, rows_applied = NULL, started_at = clock_timestamp(), updated_at = clock_timestamp()")) {
                ps.setLong(1, fill.pgtId());
                ps.setLong(2, f.tick);
                ps.setObject(3, f.estimate);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            failed(fill, f, e);
        }
    }

    private void write(Catalog.Fill fill, Fill f, long total, boolean done) {
        if (f.failed) {
            return;
        }
        try (PreparedStatement ps = session().prepareStatement("UPDATE pgtrickle.pgt_fill_progress SET rows_read = ?, "
                + "read_done = ?, updated_at = clock_timestamp() WHERE pgt_id = ? AND tick_id = ?")) {
            ps.setLong(1, total);
            ps.setBoolean(2, done);
            ps.setLong(3, fill.pgtId());
            ps.setLong(4, f.tick);
            ps.executeUpdate();
        } catch (SQLException e) {
            failed(fill, f, e);
        }
    }

    private void failed(Catalog.Fill fill, Fill f, SQLException e) {
        if (!f.failed) {
            LOG.warn("Could not record the progress of the fill of {} in pgtrickle.pgt_fill_progress ({}); the fill "
                    + "goes on without it", fill.displayName(), e.getMessage());
        }
        f.failed = true;
        close();
    }

    private Connection session() throws SQLException {
        if (session == null) {
            session = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "fill progress");
            session.setAutoCommit(true);
        }
        return session;
    }

    @Override
    public void close() {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // closing a broken session
            }
            session = null;
        }
    }
}
