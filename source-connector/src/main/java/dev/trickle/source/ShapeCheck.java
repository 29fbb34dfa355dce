package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices, at the start of a tick, a source table whose columns changed (ALTER TABLE ... DROP, RENAME,
 * ALTER TYPE of a column), and checks the incrementally maintained stream tables over it: their query
 * must still run, and give every column of the stream table with the type it has. The change records
 * carry the columns by name and the engine reads a missing one as NULL, so without this check a
 * stream table that lost a column would go on, wrong, as if nothing happened. One that fails the check
 * goes to ERROR with the reason and what to do; the others, and every other source, go on. A column
 * added to a table (or dropped where no stream table uses it) passes.
 *
 * <p>The query is only described (parsed and typed, not run), as the stream table's owner. Stream tables in
 * FULL mode are left to their refresh, which runs the query itself and fails the
 * same way. Every source counts as changed once per task, so that DDL done while the task was down
 * is checked too.
 */
final class ShapeCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ShapeCheck.class);
    private static final String SAVEPOINT = "trickle_shape_check";

    /** The columns of each source as this task last checked them. */
    private final Map<Long, String> known = new HashMap<>();
    /** The columns of each source in the snapshot of the tick being read. */
    private Map<Long, Shape> current = Map.of();

    /**
     * Checks the stream tables over the sources whose columns changed, in the tick's transaction on
     * {@code read}; failures are recorded on {@code write} (committed at once).
     *
     * @return the stream tables put in ERROR (the tick's snapshot does not see that yet)
     */
    Set<Long> run(Connection read, Connection write, List<CapturedSource> sources, long tick) throws SQLException {
        current = shapes(read);
        Set<Long> failed = new HashSet<>();
        for (CapturedSource s : sources) {
            String shape = current.containsKey(s.relid()) ? current.get(s.relid()).signature() : null;
            if (s.upstream() || shape == null || shape.equals(known.get(s.relid()))) {
                continue;
            }
            for (Dependent d : incrementalDependents(read, s.relid())) {
                if (failed.contains(d.pgtId())) {
                    continue;
                }
                String problem = problem(read, d);
                if (problem != null) {
                    String message = "source table " + s.displayName() + " changed at tick " + tick + ": " + problem
                            + ". Alter or drop the stream table, or undo the change, then run "
                            + "pgtrickle.refresh_stream_table('" + d.displayName().replace("'", "''") + "')";
                    Catalog.markRefreshFailed(write, d.pgtId(), message);
                    failed.add(d.pgtId());
                    LOG.warn("Stream table {} is now in ERROR: {}", d.displayName(), message);
                }
            }
            known.put(s.relid(), shape);
        }
        return failed;
    }

    /**
     * Whether the columns a source's changes are read with (PostgreSQL takes them from its catalog as it
     * is when the statement starts) are those of the tick's snapshot, which the check saw. They differ
     * only when an ALTER TABLE committed in between; the tick must then be taken again.
     */
    boolean sameColumns(CapturedSource source, List<String> columns) {
        Shape shape = current.get(source.relid());
        return shape == null || shape.names().equals(columns);
    }

    /** What no longer fits between the stream table and its query, or null when it still fits. */
    private static String problem(Connection read, Dependent d) throws SQLException {
        try (Statement s = read.createStatement()) {
            s.execute("SAVEPOINT " + SAVEPOINT);
        }
        Map<String, String> stored;
        try {
            // as the stream table's owner, like its FULL refreshes: never with the pipeline's privileges
            try (Statement s = read.createStatement()) {
                FullRefresh.actAsOwner(s, d.owner());
            }
            stored = columns(read, "SELECT * FROM " + d.storage());
        } catch (SQLException e) {
            if (!FullRefresh.isQueryFailure(e)) {
                throw e;
            }
            // not the source's doing (the pipeline may not act as the owner, say): nothing to hold against it
            rollback(read);
            LOG.warn("Could not check stream table {} against its changed source: {}", d.displayName(),
                    FullRefresh.serverMessage(e));
            return null;
        }
        Map<String, String> now;
        try {
            try (Statement s = read.createStatement()) {
                s.execute("SET LOCAL search_path TO " + FullRefresh.searchPath(d.searchPath()));
            }
            // the newline ends a trailing -- comment of the query
            now = columns(read, "SELECT * FROM (" + d.query() + "\n) q");
        } catch (SQLException e) {
            if (!FullRefresh.isQueryFailure(e)) {
                throw e;
            }
            rollback(read);
            return "its query no longer runs (" + FullRefresh.serverMessage(e) + ")";
        }
        rollback(read);
        for (Map.Entry<String, String> c : stored.entrySet()) {
            if (c.getKey().startsWith("__pgt")) {
                continue; // Trickle's own bookkeeping, not a column of the query
            }
            String type = now.get(c.getKey());
            if (type == null) {
                return "its query no longer gives column \"" + c.getKey() + "\" of the stream table";
            }
            if (!type.equals(c.getValue())) {
                return "its query now gives column \"" + c.getKey() + "\" as " + type + ", the stream table has "
                        + c.getValue();
            }
        }
        return null;
    }

    /** The result columns of a query as PostgreSQL describes them (names and types), without running it. */
    private static Map<String, String> columns(Connection c, String sql) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ResultSetMetaData meta = ps.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                out.putIfAbsent(meta.getColumnLabel(i), storedType(meta.getColumnTypeName(i)));
            }
        }
        return out;
    }

    /**
     * The column's type as stored. pgjdbc names a column of a base table whose default is {@code nextval()}
     * (or an identity column) {@code serial}/{@code bigserial}/{@code smallserial}; the same column passed
     * through a query into a stream table has no default there and is named {@code int4}/{@code int8}/
     * {@code int2}. Both are one type: without this, every stream table projecting such a key went to ERROR.
     */
    static String storedType(String jdbcTypeName) {
        return switch (jdbcTypeName) {
            case "serial" -> "int4";
            case "bigserial" -> "int8";
            case "smallserial" -> "int2";
            default -> jdbcTypeName;
        };
    }

    /** Back to before the check: the search path, and a transaction that a failed query left aborted. */
    private static void rollback(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT " + SAVEPOINT);
            s.execute("RELEASE SAVEPOINT " + SAVEPOINT);
        }
    }

    /** A stream table over a source, as the check of a changed source needs it. */
    record Dependent(long pgtId, String displayName, String query, List<String> searchPath, String storage,
                     String owner) {
    }

    /** The columns of a source: names and types in one text (to notice changes), and the names in order. */
    record Shape(String signature, List<String> names) {
    }

    /** The columns of every captured source, as the caller's snapshot sees them. */
    static Map<Long, Shape> shapes(Connection c) throws SQLException {
        String sql = "SELECT a.attrelid::bigint, string_agg(quote_ident(a.attname) || ' ' "
                + "|| format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum), "
                + "array_agg(a.attname::text ORDER BY a.attnum) "
                + "FROM pgtrickle.pgt_sources s JOIN pg_attribute a ON a.attrelid = s.source_relid "
                + "WHERE a.attnum > 0 AND NOT a.attisdropped GROUP BY a.attrelid";
        Map<Long, Shape> out = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getLong(1), new Shape(rs.getString(2), List.of((String[]) rs.getArray(3).getArray())));
            }
        }
        return out;
    }

    /** The stream tables over a captured source that the engine maintains incrementally and that still run. */
    static List<Dependent> incrementalDependents(Connection c, long relid) throws SQLException {
        String sql = "SELECT st.pgt_id, format('%I.%I', st.pgt_schema, st.pgt_name), st.defining_query, "
                + "st.search_path, format('%I.%I', n.nspname, r.relname), pg_get_userbyid(r.relowner)::text "
                + "FROM pgtrickle.pgt_stream_tables st JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id "
                + "JOIN pg_class r ON r.oid = st.pgt_relid JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE d.source_relid = ?::bigint::oid AND d.upstream_id IS NULL AND st.status <> 'ERROR' "
                + "AND coalesce(st.effective_mode, st.refresh_mode) <> 'FULL' ORDER BY st.pgt_id";
        List<Dependent> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, relid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] path = (String[]) rs.getArray(4).getArray();
                    out.add(new Dependent(rs.getLong(1), rs.getString(2), rs.getString(3), List.of(path),
                            rs.getString(5), rs.getString(6)));
                }
            }
        }
        return out;
    }
}
