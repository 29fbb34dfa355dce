package dev.trickle.bench;

import dev.trickle.core.pg.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads ticks the way the source connector does (see {@code TickSteps} and {@code BufferCleaner}): a tick is
 * one REPEATABLE READ transaction whose first statement takes {@code pg_current_snapshot()}; each source's rows
 * are its buffer rows whose transaction is not visible in the previous tick's snapshot, read as they are
 * from the typed buffer (the source's columns with their own types) as text; the tick row is recorded; after
 * the tick, buffer rows visible in its snapshot are deleted.
 */
final class Capture {
    /** One changed row: +1 inserted, -1 deleted; values by column name as PostgreSQL text. */
    record Change(int weight, Map<String, String> values) {
    }

    /** A captured source table: its {@code schema.name} key, relation and change buffer. */
    record Source(String key, String relation, String buffer) {
    }

    /** One tick as read: changes per source key and the time spent per source (read, cleanup) and in common. */
    record Tick(long id, String snapshot, Map<String, List<Change>> changes, Map<String, Double> readMillis,
                Map<String, Double> cleanMillis, double commonMillis) {
        /** Read and cleanup time of {@code sources} plus the tick's own statements (snapshot, tick row, commit). */
        double millisFor(List<String> sources) {
            double ms = commonMillis;
            for (String s : sources) {
                ms += readMillis.getOrDefault(s, 0.0) + cleanMillis.getOrDefault(s, 0.0);
            }
            return ms;
        }

        int rowsFor(List<String> sources) {
            return sources.stream().mapToInt(s -> changes.getOrDefault(s, List.of()).size()).sum();
        }
    }

    private final Connection conn;
    private final List<Source> sources;
    private String previous;
    private long tick;

    Capture(Connection conn, List<Source> sources) throws SQLException {
        this.conn = conn;
        this.sources = List.copyOf(sources);
        conn.setAutoCommit(false);
    }

    /** The captured sources as the catalog lists them. */
    static List<Source> catalogSources(Connection c) throws SQLException {
        List<Source> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT source_schema, source_name, buffer_table FROM pgtrickle.pgt_sources ORDER BY source_name")) {
            while (rs.next()) {
                out.add(new Source(rs.getString(1) + "." + rs.getString(2), Sql.qualified(rs.getString(1), rs.getString(2)),
                        Sql.qualified("pgtrickle_changes", rs.getString(3))));
            }
        }
        return out;
    }

    /**
     * The fill tick: every row of {@code relation} at one snapshot, read from the table as the connector's
     * fill reads it (typed buffers make later changes of a row read as the same text), handed out in batches.
     */
    void fill(Source source, int batch, Consumer<List<Change>> sink) throws SQLException {
        conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (PreparedStatement ps = conn.prepareStatement("SELECT t.* FROM " + source.relation() + " t")) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                String[] columns = columns(rs, 1);
                List<Change> out = new ArrayList<>(batch);
                while (rs.next()) {
                    out.add(new Change(1, values(rs, columns, 1)));
                    if (out.size() == batch) {
                        sink.accept(out);
                        out = new ArrayList<>(batch);
                    }
                }
                if (!out.isEmpty()) {
                    sink.accept(out);
                }
            }
        } finally {
            conn.commit();
        }
    }

    /** Marks the start: the snapshot after which changes belong to tick 1 (taken when nothing runs). */
    void start() throws SQLException {
        conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
            rs.next();
            previous = rs.getString(1);
        }
        conn.commit();
    }

    /** Takes the next tick, reads its changes of every source, records it, then cleans the buffers. */
    Tick next() throws SQLException {
        tick++;
        Map<String, List<Change>> changes = new LinkedHashMap<>();
        Map<String, Double> read = new LinkedHashMap<>();
        Map<String, Double> clean = new LinkedHashMap<>();
        conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        long t0 = System.nanoTime();
        String snapshot;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
            rs.next();
            snapshot = rs.getString(1);
        }
        double common = (System.nanoTime() - t0) / 1e6;
        long rows = 0;
        for (Source source : sources) {
            long r0 = System.nanoTime();
            List<Change> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT b.* FROM " + source.buffer() + " b "
                    + "WHERE TRUE AND b.__pgt_xid >= pg_snapshot_xmin(?::pg_snapshot) "
                    + "AND NOT pg_visible_in_snapshot(b.__pgt_xid, ?::pg_snapshot) ORDER BY b.__pgt_change_id")) {
                ps.setFetchSize(2_000);
                ps.setString(1, previous);
                ps.setString(2, previous);
                try (ResultSet rs = ps.executeQuery()) {
                    // typed buffer: __pgt_change_id, __pgt_xid, __pgt_op, then the source's columns
                    String[] columns = columns(rs, 4);
                    while (rs.next()) {
                        out.add(new Change("+".equals(rs.getString(3)) ? 1 : -1, values(rs, columns, 4)));
                    }
                }
            }
            rows += out.size();
            changes.put(source.key(), out);
            read.put(source.key(), (System.nanoTime() - r0) / 1e6);
        }
        long c0 = System.nanoTime();
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn, "
                + "rows_captured) VALUES (?, ?::pg_snapshot, pg_current_wal_lsn(), ?)")) {
            ps.setLong(1, tick);
            ps.setString(2, snapshot);
            ps.setLong(3, rows);
            ps.executeUpdate();
        }
        conn.commit();
        common += (System.nanoTime() - c0) / 1e6;
        // BufferCleaner: one transaction deletes what the tick carried from every buffer
        conn.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        for (Source source : sources) {
            long d0 = System.nanoTime();
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + source.buffer()
                    + " WHERE __pgt_xid < pg_snapshot_xmax(?::pg_snapshot) AND pg_visible_in_snapshot(__pgt_xid, ?::pg_snapshot)")) {
                ps.setString(1, snapshot);
                ps.setString(2, snapshot);
                ps.executeUpdate();
            }
            clean.put(source.key(), (System.nanoTime() - d0) / 1e6);
        }
        long k0 = System.nanoTime();
        conn.commit();
        common += (System.nanoTime() - k0) / 1e6;
        previous = snapshot;
        return new Tick(tick, snapshot, changes, read, clean, common);
    }

    private static String[] columns(ResultSet rs, int first) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        String[] columns = new String[meta.getColumnCount() - first + 1];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = meta.getColumnLabel(first + i);
        }
        return columns;
    }

    private static Map<String, String> values(ResultSet rs, String[] columns, int first) throws SQLException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i++) {
            values.put(columns[i], rs.getString(first + i));
        }
        return values;
    }
}
