package dev.trickle.streams.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Source tables as PostgreSQL's catalog describes them: the live columns of a table (or view,
 * materialized view, partitioned or foreign table) in attribute order, each with
 * {@code format_type(atttypid, atttypmod)} and its collation. Names are matched exactly.
 */
public final class PgSourceCatalog implements SourceCatalog {
    // A collation outside pg_catalog is qualified with its schema, so that a user's collation can never pass
    // for a built-in one of the same name ("C"); "default" (oid 100) and no collation (0) come back NULL.
    private static final String COLUMNS = """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN co.oid IS NULL OR (co.collname = 'default' AND cn.nspname = 'pg_catalog') THEN NULL
                        WHEN cn.nspname = 'pg_catalog' THEN co.collname
                        ELSE cn.nspname || '.' || co.collname END,
                   coalesce(co.collisdeterministic, true)
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             ORDER BY a.attnum""";
    // Unique indexes a row can be found by: valid, not partial, plain columns, and no repeated NULLs (NOT NULL
    // columns, or NULLS NOT DISTINCT, read through to_jsonb: PostgreSQL 15 added it). Columns as 1-based
    // positions among the live columns, the primary key first.
    private static final String KEYS = """
            SELECT ARRAY(SELECT (SELECT count(*) FROM pg_catalog.pg_attribute b
                                  WHERE b.attrelid = i.indrelid AND b.attnum > 0 AND NOT b.attisdropped
                                    AND b.attnum <= k.attnum)::int
                           FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ORDER BY k.ord)
              FROM pg_catalog.pg_index i, to_jsonb(i) j
             WHERE i.indrelid = (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n
                                   ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?)
               AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
               AND NOT (0 = ANY (i.indkey::int2[]))
               AND (coalesce((j ->> 'indnullsnotdistinct')::boolean, false)
                    OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid
                                      AND a.attnum = ANY (i.indkey::int2[]) AND NOT a.attnotnull))
             ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid""";
    // Read through to_jsonb because the columns differ by version: PostgreSQL 15 added the locale provider
    // and daticulocale, 17 renamed that to datlocale (and added the builtin provider).
    private static final String DATABASE = """
            SELECT d.datcollate, j ->> 'datlocprovider', coalesce(j ->> 'datlocale', j ->> 'daticulocale')
              FROM pg_catalog.pg_database d, to_jsonb(d) j
             WHERE d.datname = current_database()""";

    private final Connection connection;
    private String databaseCollation;

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
                        columns.add(new SourceColumn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                    }
                }
            }
            return exists ? Optional.of(new SourceTable(schema, name, columns, uniqueKeys(schema, name)))
                    : Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the columns of " + schema + "." + name + ": " + e.getMessage(), e);
        }
    }

    private List<List<Integer>> uniqueKeys(String schema, String name) throws SQLException {
        List<List<Integer>> keys = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(KEYS)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Integer[] positions = (Integer[]) rs.getArray(1).getArray();
                    keys.add(Arrays.stream(positions).map(p -> p - 1).toList());
                }
            }
        }
        return keys;
    }

    /**
     * The database's {@code LC_COLLATE}, or, when its default collation comes from ICU, the ICU locale
     * marked {@code (ICU)}: an ICU locale never orders by code point, whatever its name.
     */
    @Override
    public String databaseCollation() {
        if (databaseCollation == null) {
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(DATABASE)) {
                if (!rs.next()) {
                    throw new IllegalStateException("the current database is missing from pg_database");
                }
                String provider = rs.getString(2);
                String locale = rs.getString(3);
                databaseCollation = switch (provider == null ? "c" : provider) {
                    case "i" -> locale + " (ICU)";
                    // PostgreSQL 17's builtin provider: its locales (C, C.UTF-8) order by code point
                    case "b" -> locale;
                    default -> rs.getString(1);
                };
            } catch (SQLException e) {
                throw new IllegalStateException("could not read the database's collation: " + e.getMessage(), e);
            }
        }
        return databaseCollation;
    }
}
