package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The package-private {@link TickOracle} for the generated-query suite in {@code dev.trickle.streams.fuzz}:
 * one C.UTF-8 database for a whole run, whose schema {@code public} is set up again for each case (a
 * database per case would cost a template copy each), PostgreSQL's verdict on a query, and the multi-tick
 * check (compile, fill, one tick per round, equal to PostgreSQL after each).
 */
public final class FuzzAccess implements AutoCloseable {
    private final TickOracle database;
    private TickOracle oracle;
    private PgOracle pg;

    private FuzzAccess(TickOracle database) {
        this.database = database;
    }

    /** A fresh database, empty until {@link #setUp}. */
    public static FuzzAccess create(String hint) throws SQLException {
        return new FuzzAccess(TickOracle.create(hint, List.of()));
    }

    /** Empties schema public, runs {@code ddlAndData} there (committed), and tracks {@code tables} as the sources. */
    public void setUp(List<String> tables, List<String> ddlAndData) throws SQLException {
        Connection c = database.connection();
        c.rollback();
        try (Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
            for (String sql : ddlAndData) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
        oracle = TickOracle.on(c, tables);
        pg = new PgOracle(c);
    }

    /** PostgreSQL's error for the query on the initial rows, or null when it runs. */
    public String postgresError(String query) throws SQLException {
        try {
            return pg.error(query);
        } finally {
            database.connection().rollback();
        }
    }

    /**
     * {@link TickOracle#check}: throws {@code AssertionError} when the engine's result differs from PostgreSQL's
     * after some tick, the compiler's exceptions when it refuses the query, and {@link EvaluationException}.
     */
    public void check(String query, List<List<String>> rounds) throws Exception {
        oracle.check(query, rounds);
    }

    @Override
    public void close() throws SQLException {
        database.close();
    }
}
