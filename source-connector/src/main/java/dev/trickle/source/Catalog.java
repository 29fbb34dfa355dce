package dev.trickle.source;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The catalog queries of the source task. Reads run in whatever transaction the caller has open (the
 * tick's REPEATABLE READ one, so they see the tick's snapshot); writes run on the task's separate
 * write session and commit at once, so that a long tick never meets a serialization failure when the
 * sink updates the same catalog rows meanwhile.
 */
final class Catalog {
    private Catalog() {
    }

    /** A tick recorded in {@code pgtrickle.pgt_ticks}. */
    record StoredTick(long id, String snapshot, long millis) {
    }

    /** A stream table to fill at this tick, and the sources it reads. */
    record Fill(long pgtId, String displayName, List<Long> sources) {
    }

    /**
     * A stream table in FULL mode: its defining query runs at every tick in which one of its sources
     * changed (and when it needs its first fill), with the search path it was created under. {@code runner}
     * is the owner's FULL-refresh function (migration V0_4_0_10), null when it has none; {@code columns} the
     * storage table's columns as a column definition list for it; {@code names} the same columns' quoted names, to
     * take them from the query by name (alter_stream_table adds a new column at the end of the storage table,
     * wherever the query has it).
     */
    record FullTable(long pgtId, String schema, String name, String displayName, String query,
                     List<String> searchPath, boolean needsInit, List<Long> sources, String owner,
                     String runner, String columns, String names) {
    }

    static boolean installed(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('pgtrickle.pgt_ticks') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Captured sources, then the upstream stream tables that other stream tables read; for a replayed
     * tick ({@code asOfTick} not null) only the sources captured by then (every upstream: an end marker
     * nobody waits for costs nothing, a missing one would hold its dependents back).
     */
    static List<CapturedSource> sources(Connection c, Long asOfTick) throws SQLException {
        String sql = "SELECT s.source_relid::bigint, s.source_schema, s.source_name, s.buffer_table, s.key_columns, "
                + "n.nspname, c.relname FROM pgtrickle.pgt_sources s "
                + "LEFT JOIN pg_class c ON c.oid = s.source_relid "
                + "LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
                + (asOfTick == null ? "" : "WHERE s.created_at <= (SELECT created_at FROM pgtrickle.pgt_ticks WHERE tick_id = ?) ")
                + "ORDER BY s.source_schema, s.source_name, s.source_relid";
        List<CapturedSource> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (asOfTick != null) {
                ps.setLong(1, asOfTick);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] keys = (String[]) rs.getArray(5).getArray();
                    String relation = rs.getString(7) == null ? null
                            : dev.trickle.core.pg.Sql.qualified(rs.getString(6), rs.getString(7));
                    out.add(new CapturedSource(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            List.of(keys), relation));
                }
            }
        }
        out.addAll(upstreams(c));
        return out;
    }

    /**
     * The sources whose buffers the WAL decoder may still write: captured from the WAL, or switched between WAL and
     * triggers at a position the decoder has not passed yet (pgt_cdc_switches), by relid. Their ticks are read once
     * the decoder has passed the tick.
     */
    static java.util.Set<Long> walSources(Connection c) throws SQLException {
        java.util.Set<Long> out = new java.util.HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT source_relid::bigint FROM pgtrickle.pgt_sources WHERE cdc_mode = 'wal' "
                        + "UNION SELECT source_relid::bigint FROM pgtrickle.pgt_cdc_switches")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** Stream tables read by other stream tables, as sources: their storage table, by its name now. */
    private static List<CapturedSource> upstreams(Connection c) throws SQLException {
        String sql = "SELECT st.pgt_relid::bigint, st.pgt_schema, st.pgt_name, n.nspname, c.relname, st.pgt_id "
                + "FROM pgtrickle.pgt_stream_tables st "
                + "LEFT JOIN pg_class c ON c.oid = st.pgt_relid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.upstream_id = st.pgt_id) "
                + "ORDER BY st.pgt_schema, st.pgt_name";
        List<CapturedSource> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String relation = rs.getString(5) == null ? null
                        : dev.trickle.core.pg.Sql.qualified(rs.getString(4), rs.getString(5));
                out.add(new CapturedSource(rs.getLong(1), rs.getString(2), rs.getString(3), null, List.of(),
                        relation, rs.getLong(6)));
            }
        }
        return out;
    }

    /**
     * The tick whose content the upstream's storage table shows in the caller's snapshot: its progress
     * row, which the sink writes in the same transaction as the data.
     */
    static long upstreamTick(Connection c, long upstreamId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = ?")) {
            ps.setLong(1, upstreamId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("upstream stream table " + upstreamId
                            + " has no progress row although its dependents' fill waited for it");
                }
                return rs.getLong(1);
            }
        }
    }

    /**
     * Stream tables the streams app is ready for and that still need their initial fill. One that reads
     * upstream stream tables waits until each of them is ACTIVE with its latest fill applied (so that the
     * engine emits every tick of it from then on), and its sink has applied at least the tick at which
     * the engine began running the downstream ({@code ready_tick}): the deltas after the tick its storage
     * table then shows are all still ahead of the downstream's operators.
     */
    static List<Fill> fillsDue(Connection c) throws SQLException {
        String sql = "SELECT st.pgt_id, format('%I.%I', st.pgt_schema, st.pgt_name), "
                + "array_agg(d.source_relid::bigint ORDER BY d.source_relid) "
                + "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
                + "WHERE st.needs_init AND st.engine_ready AND st.status IN ('INITIALIZING', 'ACTIVE') "
                + "AND coalesce(st.effective_mode, st.refresh_mode) <> 'FULL' "
                + "AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies u "
                + "  JOIN pgtrickle.pgt_stream_tables up ON up.pgt_id = u.upstream_id "
                + "  LEFT JOIN pgtrickle.pgt_sink_progress p ON p.pgt_id = up.pgt_id "
                + "  WHERE u.pgt_id = st.pgt_id AND (up.needs_init OR up.status <> 'ACTIVE' "
                + "    OR coalesce(p.last_tick, -1) < coalesce(st.ready_tick, 0) "
                + "    OR coalesce(p.last_tick, -1) < coalesce(up.init_tick, 0))) "
                + "GROUP BY st.pgt_id ORDER BY st.pgt_id";
        List<Fill> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                Long[] sources = (Long[]) rs.getArray(3).getArray();
                out.add(new Fill(rs.getLong(1), rs.getString(2), Arrays.asList(sources)));
            }
        }
        return out;
    }

    /** Stream tables that the streams app left to FULL refreshes, ready and not failed. */
    static List<FullTable> fullTables(Connection c) throws SQLException {
        String sql = "SELECT st.pgt_id, st.pgt_schema, st.pgt_name, format('%I.%I', st.pgt_schema, st.pgt_name), "
                + "st.defining_query, st.search_path, st.needs_init, "
                + "array_agg(d.source_relid::bigint ORDER BY d.source_relid), pg_get_userbyid(r.relowner)::text, "
                + "CASE WHEN to_regprocedure(format('pgtrickle.%I(text)', '_full_as_' || r.relowner)) IS NOT NULL "
                + "THEN format('pgtrickle.%I', '_full_as_' || r.relowner) END, "
                + "(SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' "
                + "ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 "
                + "AND NOT a.attisdropped AND a.attname NOT LIKE '\\_\\_pgt%'), "
                + "(SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a "
                + "WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT LIKE '\\_\\_pgt%') "
                + "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
                + "JOIN pg_class r ON r.oid = st.pgt_relid "
                + "WHERE st.effective_mode = 'FULL' AND st.engine_ready AND st.status IN ('INITIALIZING', 'ACTIVE') "
                + "GROUP BY st.pgt_id, r.relowner ORDER BY st.pgt_id";
        List<FullTable> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String[] path = (String[]) rs.getArray(6).getArray();
                Long[] sources = (Long[]) rs.getArray(8).getArray();
                out.add(new FullTable(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), List.of(path), rs.getBoolean(7), Arrays.asList(sources), rs.getString(9),
                        rs.getString(10), rs.getString(11), rs.getString(12)));
            }
        }
        return out;
    }

    /** A FULL refresh failed: the stream table is in ERROR with PostgreSQL's message, the others go on. */
    static void markRefreshFailed(Connection w, long pgtId, String message) throws SQLException {
        try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables "
                + "SET status = 'ERROR', last_error = ? WHERE pgt_id = ?")) {
            ps.setString(1, message);
            ps.setLong(2, pgtId);
            ps.executeUpdate();
        }
        notifyCatalog(w, List.of(pgtId));
        w.commit();
    }

    static long maxTick(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The stored tick {@code id}, or null. */
    static StoredTick tick(Connection c, long id) throws SQLException {
        return queryTick(c, "WHERE tick_id = ?", id);
    }

    /** The latest stored tick before {@code id}, or null: the previous snapshot of a new tick. */
    static StoredTick tickBefore(Connection c, long id) throws SQLException {
        return queryTick(c, "WHERE tick_id < ? ORDER BY tick_id DESC LIMIT 1", id);
    }

    private static StoredTick queryTick(Connection c, String where, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tick_id, snapshot::text, "
                + "(extract(epoch FROM created_at) * 1000)::bigint FROM pgtrickle.pgt_ticks " + where)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StoredTick(rs.getLong(1), rs.getString(2), rs.getLong(3)) : null;
            }
        }
    }

    static long countTicks(Connection c, long from, long to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pgtrickle.pgt_ticks WHERE tick_id BETWEEN ? AND ?")) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Records tick {@code id} and the stream tables filled at it, in one transaction: either both or
     * neither exist, which recovery relies on. The tick time is stored to the millisecond so that a
     * replayed tick carries the same time.
     */
    static void recordTick(Connection w, long id, String snapshot, String lsn, long rows, long millis,
                           List<Long> filled) throws SQLException {
        try (PreparedStatement ps = w.prepareStatement("INSERT INTO pgtrickle.pgt_ticks "
                + "(tick_id, snapshot, lsn, rows_captured, created_at) "
                + "VALUES (?, ?::pg_snapshot, ?::pg_lsn, ?, 'epoch'::timestamptz + ? * interval '1 millisecond')")) {
            ps.setLong(1, id);
            ps.setString(2, snapshot);
            ps.setString(3, lsn);
            ps.setLong(4, rows);
            ps.setLong(5, millis);
            ps.executeUpdate();
        }
        if (!filled.isEmpty()) {
            // not for a stream table altered (or failed) since the tick began: it waits for a new plan and fill
            try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables "
                    + "SET needs_init = false, init_tick = ? WHERE pgt_id = ANY (?) AND engine_ready")) {
                ps.setLong(1, id);
                Array ids = w.createArrayOf("bigint", filled.toArray());
                ps.setArray(2, ids);
                ps.executeUpdate();
            }
            notifyCatalog(w, filled);
        }
        w.commit();
    }

    /** Marks the stream tables reading a dropped source as failed; returns how many changed. */
    static List<String> markSourceDropped(Connection w, CapturedSource source) throws SQLException {
        List<Long> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', "
                + "last_error = format('source table %I.%I was dropped; drop the stream table or recreate it', "
                + "?::text, ?::text) WHERE status <> 'ERROR' AND pgt_id IN "
                + "(SELECT pgt_id FROM pgtrickle.pgt_dependencies WHERE source_relid = ?::bigint::oid) "
                + "RETURNING pgt_id, format('%I.%I', pgt_schema, pgt_name)")) {
            ps.setString(1, source.schema());
            ps.setString(2, source.name());
            ps.setLong(3, source.relid());
            collect(ps, ids, names);
        }
        notifyCatalog(w, ids);
        w.commit();
        return names;
    }

    /**
     * Captured sources whose changes no stream table wants now: every stream table over them is in ERROR
     * (a refresh fills it anew from the table, so changes skipped meanwhile are not missed).
     */
    static Set<Long> unreadSources(Connection c) throws SQLException {
        String sql = "SELECT d.source_relid::bigint FROM pgtrickle.pgt_dependencies d "
                + "JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id WHERE d.upstream_id IS NULL "
                + "GROUP BY d.source_relid HAVING bool_and(st.status = 'ERROR')";
        Set<Long> out = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /**
     * The changes of a source could not be read at a tick: every stream table over it goes to ERROR, with
     * a message that names the source, PostgreSQL's reason and what to do. Returns their names.
     */
    static List<String> markSourceFailed(Connection w, CapturedSource source, long tick, String reason)
            throws SQLException {
        List<Long> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', "
                + "last_error = format('the changes of source table %s could not be read at tick %s: %s. Was a "
                + "column of it altered or dropped? Fix the source table, or alter or drop the stream table, then run "
                + "pgtrickle.refresh_stream_table(%L)', coalesce((SELECT format('%I.%I', n.nspname, c.relname) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::bigint::oid), ?::text), "
                + "?::bigint, ?::text, format('%I.%I', pgt_schema, pgt_name)) "
                + "WHERE status <> 'ERROR' AND pgt_id IN (SELECT pgt_id FROM pgtrickle.pgt_dependencies "
                + "WHERE source_relid = ?::bigint::oid AND upstream_id IS NULL) "
                + "RETURNING pgt_id, format('%I.%I', pgt_schema, pgt_name)")) {
            ps.setLong(1, source.relid());
            ps.setString(2, source.displayName());
            ps.setLong(3, tick);
            ps.setString(4, reason);
            ps.setLong(5, source.relid());
            collect(ps, ids, names);
        }
        notifyCatalog(w, ids);
        w.commit();
        return names;
    }

    /**
     * Stream tables filled at ticks in (after, upTo] are filled again at the next new tick; so are all
     * stream tables in FULL mode, whose refreshes at those ticks cannot be read again either.
     */
    static List<String> resetFills(Connection w, Long after, long upTo) throws SQLException {
        String where = after == null ? "" : " WHERE (init_tick > ? AND init_tick <= ?) OR effective_mode = 'FULL'";
        List<Long> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = w.prepareStatement("UPDATE pgtrickle.pgt_stream_tables "
                + "SET needs_init = true, init_tick = NULL" + where
                + " RETURNING pgt_id, format('%I.%I', pgt_schema, pgt_name)")) {
            if (after != null) {
                ps.setLong(1, after);
                ps.setLong(2, upTo);
            }
            collect(ps, ids, names);
        }
        notifyCatalog(w, ids);
        w.commit();
        return names;
    }

    private static void collect(PreparedStatement ps, List<Long> ids, List<String> names) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
                names.add(rs.getString(2));
            }
        }
    }

    /** Tells listeners (as the SQL API does, one notification per stream table id) that the catalog changed. */
    private static void notifyCatalog(Connection w, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = w.prepareStatement(
                "SELECT pg_notify('pgtrickle_catalog', id::text) FROM unnest(?::bigint[]) id")) {
            ps.setArray(1, w.createArrayOf("bigint", ids.toArray()));
            ps.execute();
        }
    }
}
