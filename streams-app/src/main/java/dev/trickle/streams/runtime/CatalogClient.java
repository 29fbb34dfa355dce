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

    public void install() {
        CatalogInstaller.install(url, user, password);
    }

    /** A connection for short catalog reads and writes (autocommit); reopened after failures. */
    public synchronized Connection connection() throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            closeQuietly();
            connection = DriverManager.getConnection(url, user, password);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /** Every stream table with its sources, in id order. */
    public synchronized List<StreamTableDef> streamTables() throws SQLException {
        Map<Long, List<StreamTableDef.SourceName>> sources = new LinkedHashMap<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT d.pgt_id, s.source_schema, s.source_name FROM pgtrickle.pgt_dependencies d "
                        + "JOIN pgtrickle.pgt_sources s USING (source_relid) ORDER BY d.pgt_id, s.source_schema, s.source_name");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sources.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                        .add(new StreamTableDef.SourceName(rs.getString(2), rs.getString(3)));
            }
        }
        List<StreamTableDef> out = new ArrayList<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT pgt_id, pgt_schema, pgt_name, defining_query, search_path, refresh_mode, status, engine_ready "
                        + "FROM pgtrickle.pgt_stream_tables ORDER BY pgt_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong(1);
                Array path = rs.getArray(5);
                out.add(new StreamTableDef(id, rs.getString(2), rs.getString(3), rs.getString(4),
                        Arrays.asList((String[]) path.getArray()), rs.getString(6), rs.getString(7), rs.getBoolean(8),
                        List.copyOf(sources.getOrDefault(id, List.of()))));
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

    /** The engine runs the stream table's operators: the source connector may fill it now. */
    public synchronized void markEngineReady(long id, String explain) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, effective_mode = 'DIFFERENTIAL', explain = ? "
                        + "WHERE pgt_id = ? AND NOT engine_ready")) {
            ps.setString(1, explain);
            ps.setLong(2, id);
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
