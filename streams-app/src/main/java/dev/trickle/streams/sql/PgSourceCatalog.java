package dev.trickle.streams.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Source tables as PostgreSQL's catalog describes them: the live columns of a table (or view,
 * materialized view, partitioned or foreign table) in attribute order, each with
 * {@code format_type(atttypid, atttypmod)}. Names are matched exactly.
 */
public final class PgSourceCatalog implements SourceCatalog {
    private static final String COLUMNS = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod)
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             ORDER BY a.attnum""";

    private final Connection connection;

    public PgSourceCatalog(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Optional<SourceTable> find(String schema, String name) {
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            List<SourceColumn> columns = new ArrayList<>();
            boolean exists = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    exists = true;
                    // a table without columns yields one row of NULLs from the outer join
                    if (rs.getString(1) != null) {
                        columns.add(new SourceColumn(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            return exists ? Optional.of(new SourceTable(schema, name, columns)) : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the columns of " + schema + "." + name + ": " + e.getMessage(), e);
        }
    }
}
