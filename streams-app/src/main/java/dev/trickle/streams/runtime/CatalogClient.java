package dev.trickle.streams.runtime;

import dev.trickle.core.catalog.CatalogInstaller;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The streams app's narrow view of the pgtrickle catalog. */
public final class CatalogClient implements AutoCloseable {
    private final String url;
    private final String user;
    private final String password;
    private Connection connection;

    public CatalogClient(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Installs or upgrades the catalog, unless it holds every migration this app carries already (a restart). */
    public void install() {
        try {
            if (ShippedCatalog.installed(connection())) {
                return;
            }
        } catch (SQLException e) {
            // not reachable yet: Flyway tries, and reports it
        }
        CatalogInstaller.install(url, user, password);
    }

    /** A connection for short catalog reads and writes (autocommit); reopened after failures. */
    public synchronized Connection connection() throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            closeQuietly();
            // named in pg_stat_activity (and in the benchmarks' split of PostgreSQL's CPU by session)
            java.util.Properties props = new java.util.Properties();
            props.setProperty("user", user);
            props.setProperty("password", password);
            props.setProperty("ApplicationName", "trickle-streams catalog");
            connection = DriverManager.getConnection(url, props);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /** Every stream table with its sources, in id order. */
    public synchronized List<StreamTableDef> streamTables() throws SQLException {
        Map<Long, List<StreamTableDef.SourceName>> sources = new LinkedHashMap<>();
        // a source is a captured table, or an upstream stream table (by its own name)
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT d.pgt_id, coalesce(u.pgt_schema, s.source_schema), coalesce(u.pgt_name, s.source_name), d.upstream_id "
                        + "FROM pgtrickle.pgt_dependencies d "
                        + "LEFT JOIN pgtrickle.pgt_sources s ON s.source_relid = d.source_relid AND d.upstream_id IS NULL "
                        + "LEFT JOIN pgtrickle.pgt_stream_tables u ON u.pgt_id = d.upstream_id "
                        + "ORDER BY 1, 2, 3");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long upstream = rs.getLong(4);
                Long upstreamId = rs.wasNull() ? null : upstream;
                sources.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                        .add(new StreamTableDef.SourceName(rs.getString(2), rs.getString(3), upstreamId));
            }
        }
        List<StreamTableDef> out = new ArrayList<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT pgt_id, pgt_schema, pgt_name, defining_query, search_path, refresh_mode, status, engine_ready, ready_tick, "
                        + "plan_generation, timezone FROM pgtrickle.pgt_stream_tables ORDER BY pgt_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong(1);
                Array path = rs.getArray(5);
                long ready = rs.getLong(9);
                Long readyTick = rs.wasNull() ? null : ready;
                out.add(new StreamTableDef(id, rs.getString(2), rs.getString(3), rs.getString(4),
                        Arrays.asList((String[]) path.getArray()), rs.getString(6), rs.getString(7), rs.getBoolean(8),
                        List.copyOf(sources.getOrDefault(id, List.of())), readyTick, rs.getLong(10), rs.getString(11)));
            }
        }
        return out;
    }

    /** The engine cannot run this stream table: the user sees why in pgt_status(). */
    public synchronized void markError(long id, String message) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = ?, engine_ready = false "
                        + "WHERE pgt_id = ? AND status <> 'ERROR'")) {
            ps.setString(1, message);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    /**
     * The engine runs the stream table's operators: the source connector may fill it now. {@code readyTick}:
     * every upstream delta record the engine consumed before its operators ran is of this tick or older.
     */
    public synchronized void markEngineReady(long id, String explain, long readyTick) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, effective_mode = 'DIFFERENTIAL', explain = ?, "
                        + "ready_tick = ? WHERE pgt_id = ? AND NOT engine_ready")) {
            ps.setString(1, explain);
            ps.setLong(2, readyTick);
            ps.setLong(3, id);
            ps.executeUpdate();
        }
    }

    /**
     * Records the stream table's unique key (column names; null: none, empty: at most one row) and moves its
     * indexes to it (pgtrickle._set_row_key). Returns the key recorded: null where it could not be indexed.
     */
    public synchronized List<String> recordRowKey(long id, List<String> key) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement("SELECT pgtrickle._set_row_key(?, ?)")) {
            ps.setLong(1, id);
            ps.setArray(2, key == null ? null : connection().createArrayOf("text", key.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array a = rs.getArray(1);
                return a == null ? null : Arrays.asList((String[]) a.getArray());
            }
        }
    }

    /** The newest tick taken: no record the engine has consumed so far is of a later tick. */
    public synchronized long maxTick() throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The engine cannot use the fill it got (the upstream content it read is older than deltas already
     * consumed): the source connector fills the stream table again at a later tick.
     */
    public synchronized void requestRefill(long id) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET needs_init = true, init_tick = NULL "
                        + "WHERE pgt_id = ? AND status <> 'ERROR'")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    /** The source connector recomputes the stream table at each tick (no operators in this app). */
    public synchronized void markFullMode(long id, String why) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, effective_mode = 'FULL', explain = ? "
                        + "WHERE pgt_id = ? AND (NOT engine_ready OR effective_mode IS DISTINCT FROM 'FULL')")) {
            ps.setString(1, why);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection is being replaced
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
