package dev.trickle.sink;

import dev.trickle.core.pg.Sql;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What the sink needs to know about one stream table inside the transaction that applies a tick: its
 * catalog row (locked, so that a concurrent drop or a second sink waits) and its storage table as it is
 * now, read by oid so that a renamed table is still found.
 *
 * @param catalogName {@code "schema"."name"} as the catalog records it, for messages and the refresh hint
 * @param storage     {@code "schema"."name"} of the storage table as PostgreSQL names it now; also its row type
 * @param columns     quoted column names in storage order (dropped columns left out)
 * @param signature   names and types of the columns, to notice when the storage table changed shape
 * @param hashed      the storage table has the whole-row hash index, so deletes can look rows up by hash
 * @param key         positions (0-based, into {@code columns}) of the stream table's unique key, when the catalog
 *                    records one and its unique index is there and valid: deltas are applied by key; empty:
 *                    by whole rows
 * @param failures    consecutive failed attempts before this one (reset by a success)
 */
record StreamTableShape(long id, String catalogName, String status, long relid, String storage,
                        List<String> columns, String signature, boolean hashed, List<Integer> key, int failures) {

    static final String ERROR = "ERROR";
    static final String SUSPENDED = "SUSPENDED";

    /**
     * Locks and reads the stream table's catalog row. Returns null when the stream table is gone (dropped);
     * a catalog row whose storage table was dropped by hand comes back with {@code storage == null}.
     */
    static StreamTableShape lockAndLoad(Connection c, long id) throws SQLException {
        // one round trip: the catalog row, the storage table's name, hash index and columns (names, then types)
        String sql = "SELECT s.pgt_schema, s.pgt_name, s.status, s.pgt_relid, n.nspname, r.relname, s.consecutive_failures, "
                + "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = r.oid AND i.indexprs IS NOT NULL "
                + "        AND pg_get_expr(i.indexprs, i.indrelid) LIKE 'hash_record_extended(%') AS hashed, "
                + "ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 "
                + "      AND NOT a.attisdropped ORDER BY a.attnum) AS names, "
                + "ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = r.oid "
                + "      AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS types, "
                // the key counts only while the index made for it is there: without it a delete by key scans
                + "CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = s.key_index AND i.indrelid = r.oid "
                + "      AND i.indisunique AND i.indisvalid) THEN s.row_key END AS row_key "
                + "FROM pgtrickle.pgt_stream_tables s "
                + "LEFT JOIN pg_class r ON r.oid = s.pgt_relid AND r.relkind IN ('r', 'p') "
                + "LEFT JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE s.pgt_id = ? FOR NO KEY UPDATE OF s";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String catalogName = Sql.qualified(rs.getString(1), rs.getString(2));
                long relid = rs.getLong(4);
                int failures = rs.getInt(7);
                if (rs.getString(6) == null) {
                    return new StreamTableShape(id, catalogName, rs.getString(3), relid, null, List.of(), "", false,
                            List.of(), failures);
                }
                String storage = Sql.qualified(rs.getString(5), rs.getString(6));
                boolean hashed = rs.getBoolean(8);
                String[] attNames = (String[]) rs.getArray(9).getArray();
                String[] attTypes = (String[]) rs.getArray(10).getArray();
                List<String> names = Arrays.stream(attNames).map(Sql::ident).toList();
                String signature = IntStream.range(0, attNames.length)
                        .mapToObj(i -> Sql.ident(attNames[i]) + " " + attTypes[i]).collect(Collectors.joining(", "));
                return new StreamTableShape(id, catalogName, rs.getString(3), relid, storage, names, signature, hashed,
                        keyPositions(attNames, rs.getArray(11)), failures);
            }
        }
    }

    /** Positions of the key's columns, or an empty list when a column of it is missing (then: whole rows). */
    private static List<Integer> keyPositions(String[] attNames, Array rowKey) throws SQLException {
        if (rowKey == null) {
            return List.of();
        }
        List<String> all = Arrays.asList(attNames);
        List<Integer> positions = Arrays.stream((String[]) rowKey.getArray()).map(all::indexOf).toList();
        return positions.contains(-1) ? List.of() : positions;
    }

    /** Deltas are applied by key (see {@link #key()}). */
    boolean keyed() {
        return !key.isEmpty();
    }

    boolean inError() {
        return ERROR.equals(status);
    }

    /** Suspended after repeated failures: its ticks are skipped until pgtrickle.resume_stream_table. */
    boolean suspended() {
        return SUSPENDED.equals(status);
    }

    /** Not filled yet, or refreshed and waiting for its new fill. */
    boolean awaitingFill() {
        return "INITIALIZING".equals(status);
    }

    /** The statement a user runs to re-fill the stream table from its query. */
    String refreshHint() {
        return "run SELECT pgtrickle.refresh_stream_table(" + Sql.literal(catalogName) + ")";
    }
}
