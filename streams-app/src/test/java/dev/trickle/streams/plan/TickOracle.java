package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.pg.Sql;
import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The multi-tick oracle for stateful operators: a query's pipeline runs tick after tick with its state
 * kept between ticks, and after every tick its accumulated output must equal PostgreSQL's result of the
 * query (multiset equality on values and text, see {@link PgOracle}).
 *
 * <p>Tick 1 inserts every row the tables hold; each later tick is one round of DML statements run in
 * PostgreSQL, and each source's delta is the multiset difference of its rows before and after the round
 * (exactly what capture would have recorded, consolidated). Each check runs in a transaction that is
 * rolled back, so every query starts from the same data.
 */
final class TickOracle implements AutoCloseable {
    private final Connection connection;
    private final PgOracle oracle;
    /** PostgreSQL table name (as written, unquoted) to the pipeline's source key ("public.name"). */
    private final Map<String, String> tables;

    private TickOracle(Connection connection, Map<String, String> tables) {
        this.connection = connection;
        this.oracle = new PgOracle(connection);
        this.tables = tables;
    }

    /** A fresh C.UTF-8 database with {@code ddlAndData} run in it; {@code tables} are the sources to track. */
    static TickOracle create(String hint, List<String> tables, String... ddlAndData) throws SQLException {
        String url = EmbeddedPg.freshDatabase(hint);
        String name = "tick_" + hint.replaceAll("[^a-z0-9]", "") + "_" + System.nanoTime() % 1_000_000;
        try (Connection admin = EmbeddedPg.connect(url); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name + " TEMPLATE " + catalogTemplate(admin));
        }
        Connection c = DriverManager.getConnection(url.replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1"), "postgres", "postgres");
        try (Statement s = c.createStatement()) {
            for (String sql : ddlAndData) {
                s.execute(sql);
            }
        }
        c.setAutoCommit(false);
        Map<String, String> keyed = new LinkedHashMap<>();
        tables.forEach(t -> keyed.put(t, "public." + t));
        return new TickOracle(c, keyed);
    }

    private static String template;

    /**
     * A C.UTF-8 database with Trickle's catalog installed, the template of every oracle's database: each query the
     * engine compiles is also put to the catalog's refusal of refresh_mode DIFFERENTIAL at create, which must accept
     * it (the engine maintains it). Made once per JVM; copying it costs about what template0 does.
     */
    private static synchronized String catalogTemplate(Connection admin) throws SQLException {
        if (template == null) {
            String name = "tick_catalog_template_" + System.nanoTime() % 1_000_000;
            try (Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
            }
            String url = admin.getMetaData().getURL().replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1");
            CatalogInstaller.install(url, "postgres", "postgres");
            template = name;
        }
        return template;
    }

    /** An oracle over an open connection (autocommit off) whose database holds {@code tables} in schema public. */
    static TickOracle on(Connection connection, List<String> tables) {
        Map<String, String> keyed = new LinkedHashMap<>();
        tables.forEach(t -> keyed.put(t, "public." + t));
        return new TickOracle(connection, keyed);
    }

    Connection connection() {
        return connection;
    }

    /**
     * Compiles {@code query}, fills it (tick 1), then runs each round as one tick, checking after each.
     *
     * @return the number of state entries left at the end (for tests that check state stays bounded)
     */
    int check(String query, List<List<String>> rounds) throws Exception {
        return run(query, rounds, false);
    }

    /**
     * Like {@link #check}, but the last tick must fail: PostgreSQL's query raises an error there, and the
     * engine must raise the same one in that tick (none before).
     *
     * @return the error
     */
    String checkFailsAtLastTick(String query, List<List<String>> rounds) throws Exception {
        run(query, rounds, true);
        return lastError;
    }

    private String lastError;

    private int run(String query, List<List<String>> rounds, boolean failLast) throws Exception {
        try {
            // compiled under the session's TimeZone, the one PostgreSQL evaluates the query under
            CompiledQuery compiled = QueryCompiler.compile(query, List.of("public"), timeZone(), new PgSourceCatalog(connection));
            assertEquals(oracle.columnNames(query), compiled.outputColumns(), "column names of " + query);
            assertNull(refusalAtCreate(query), "the catalog refuses DIFFERENTIAL at create for a query the engine "
                    + "maintains (regenerate the list? " + DifferentialSupport.REGENERATE + "): " + query);
            InMemoryStateBackend state = new InMemoryStateBackend();
            ZSet<List<String>> content = new ZSet<>();
            Map<String, ZSet<Map<String, String>>> before = snapshot();
            content.addAll(compiled.pipeline().apply(before, state));
            assertNull(oracle.difference(query, content), "after the initial fill of " + query);
            assertKeyHolds(query, compiled);
            int tick = 1;
            for (List<String> round : rounds) {
                tick++;
                try (Statement s = connection.createStatement()) {
                    for (String sql : round) {
                        s.execute(sql);
                    }
                }
                Map<String, ZSet<Map<String, String>>> after = snapshot();
                Map<String, ZSet<Map<String, String>>> delta = difference(before, after);
                if (failLast && tick == rounds.size() + 1) {
                    String pgError = oracle.error(query);
                    assertNotNull(pgError, "PostgreSQL's error at tick " + tick + " of " + query);
                    EvaluationException e = assertThrows(EvaluationException.class,
                            () -> compiled.pipeline().apply(delta, state), "tick " + tick + " of " + query);
                    assertEquals(pgError, e.getMessage());
                    lastError = e.getMessage();
                    return state.size();
                }
                content.addAll(compiled.pipeline().apply(delta, state));
                String diff = oracle.difference(query, content);
                assertNull(diff, "tick " + tick + " of " + query + " after " + round);
                assertKeyHolds(query, compiled);
                before = after;
            }
            return state.size();
        } finally {
            connection.rollback();
        }
    }

    /** The catalog's refusal of refresh_mode DIFFERENTIAL for {@code query} at create, or null. */
    private String refusalAtCreate(String query) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SAVEPOINT create_check");
            try {
                s.execute("CREATE TEMP VIEW create_check AS " + query);
                try (ResultSet rs = s.executeQuery("SELECT pgtrickle._differential_refusal('create_check'::regclass)")) {
                    rs.next();
                    return rs.getString(1);
                }
            } catch (SQLException e) {
                return null; // PostgreSQL refuses the query itself: the oracle says so
            } finally {
                s.execute("ROLLBACK TO SAVEPOINT create_check");
            }
        }
    }

    private String timeZone() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('TimeZone')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The unique key the planner derived holds on PostgreSQL's result (the sink's unique index would refuse it
     * otherwise): no two rows agree on it under PostgreSQL's equality, NULLs counting as equal (as DISTINCT has them).
     */
    private void assertKeyHolds(String query, CompiledQuery compiled) throws SQLException {
        if (compiled.uniqueKey().isEmpty()) {
            return;
        }
        List<Integer> key = compiled.uniqueKey().get();
        String names = String.join(", ", IntStream.range(0, compiled.outputColumns().size())
                .mapToObj(i -> "c" + i).toList());
        String q = "(" + query + ") q(" + names + ")";
        String distinct = key.isEmpty() ? "LEAST(count(*), 1) FROM " + q
                : "count(*) FROM (SELECT DISTINCT " + String.join(", ", key.stream().map(i -> "c" + i).toList())
                        + " FROM " + q + ") k";
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM " + q + "), (SELECT " + distinct + ")")) {
            rs.next();
            assertEquals(rs.getLong(1), rs.getLong(2), "rows of " + query + " that share its key "
                    + compiled.uniqueKeyColumns().orElseThrow());
        }
    }

    private Map<String, ZSet<Map<String, String>>> snapshot() throws SQLException {
        Map<String, ZSet<Map<String, String>>> out = new HashMap<>();
        for (Map.Entry<String, String> t : tables.entrySet()) {
            ZSet<Map<String, String>> rows = new ZSet<>();
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + Sql.ident(t.getKey()))) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                    }
                    rows.add(row, 1);
                }
            }
            out.put(t.getValue(), rows);
        }
        return out;
    }

    private static Map<String, ZSet<Map<String, String>>> difference(Map<String, ZSet<Map<String, String>>> before,
                                                                   Map<String, ZSet<Map<String, String>>> after) {
        Map<String, ZSet<Map<String, String>>> out = new HashMap<>();
        for (Map.Entry<String, ZSet<Map<String, String>>> e : after.entrySet()) {
            ZSet<Map<String, String>> delta = new ZSet<>();
            delta.addAll(e.getValue());
            before.get(e.getKey()).asMap().forEach((row, w) -> delta.add(row, -w));
            if (!delta.isEmpty()) {
                out.put(e.getKey(), delta);
            }
        }
        return out;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
