package dev.trickle.streams.plan;

import dev.trickle.streams.rows.ZSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The package-private oracle classes for the TPC-H fixture in {@code dev.trickle.streams.tpch}: a database
 * made by {@link TickOracle#create} (C.UTF-8, the given DDL run), its connection (to load the data by COPY
 * and commit it), and {@link PgOracle}'s comparisons of engine output with PostgreSQL's result.
 */
public final class TpchAccess implements AutoCloseable {
    private final TickOracle oracle;
    private final PgOracle pg;

    private TpchAccess(TickOracle oracle) {
        this.oracle = oracle;
        this.pg = new PgOracle(oracle.connection());
    }

    /** A fresh C.UTF-8 database with {@code ddl} run in it, tracking {@code tables} as the sources. */
    public static TpchAccess create(String hint, List<String> tables, List<String> ddl) throws SQLException {
        return new TpchAccess(TickOracle.create(hint, tables, ddl.toArray(String[]::new)));
    }

    /** The oracle's connection (autocommit off): commit what is loaded through it. */
    public Connection connection() {
        return oracle.connection();
    }

    /** {@link PgOracle#columnNames}. */
    public List<String> columnNames(String query) throws SQLException {
        return pg.columnNames(query);
    }

    /** {@link PgOracle#difference}: null when {@code rows} equals the query's result as a multiset. */
    public String difference(String query, ZSet<List<String>> rows) throws SQLException, IOException {
        return pg.difference(query, rows);
    }

    @Override
    public void close() throws SQLException {
        oracle.close();
    }
}
