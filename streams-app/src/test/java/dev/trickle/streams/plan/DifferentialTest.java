package dev.trickle.streams.plan;

import dev.trickle.streams.rows.EvaluationException;
import dev.trickle.streams.rows.ZSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.core.pg.Sql;
import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The main oracle: for each query, the engine's output delta for "all rows inserted", then for "a random
 * subset deleted", summed, must equal PostgreSQL's result on the same rows (multiset equality, on values
 * and on their text), and the stream table's column names must be PostgreSQL's. When PostgreSQL raises an
 * error the engine must raise the same one. Seed: -Dtrickle.diff.seed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {
    private static final long SEED = Long.getLong("trickle.diff.seed", 20_240_601L);
    private static final int ROWS = 300;

    /** The source tables: name as PostgreSQL spells it, and qualified name as the pipeline keys it. */
    private static final Map<String, String> TABLES = Map.of("src", "public.src", "Odd Table", "public.Odd Table");

    private Connection connection;
    private PgOracle oracle;
    private final Map<String, ZSet<Map<String, String>>> inserted = new HashMap<>();
    private final Map<String, ZSet<Map<String, String>>> deleted = new HashMap<>();
    private final Map<String, List<Integer>> deletedIds = new HashMap<>();

    @BeforeAll
    void load() throws Exception {
        String url = EmbeddedPg.freshDatabase("admin");
        String name = "diff_" + Math.abs(SEED % 100_000) + "_" + System.nanoTime() % 100_000;
        try (Connection admin = EmbeddedPg.connect(url); Statement s = admin.createStatement()) {
            // the engine orders text by code point: a C.UTF-8 database does the same (and keeps Unicode case mapping)
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        connection = DriverManager.getConnection(url.replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1"), "postgres", "postgres");
        RandomSourceData data = new RandomSourceData(SEED);
        try (Statement s = connection.createStatement()) {
            s.execute(RandomSourceData.DDL);
            s.execute(RandomSourceData.ODD_DDL);
            insert(s, "src", data.rows(ROWS));
            insert(s, "\"Odd Table\"", data.oddRows(40));
        }
        Random random = new Random(SEED);
        for (String table : TABLES.keySet()) {
            readBack(table, random);
        }
        connection.setAutoCommit(false);
        oracle = new PgOracle(connection);
    }

    private static void insert(Statement s, String table, List<List<String>> rows) throws Exception {
        for (List<String> row : rows) {
            s.execute("INSERT INTO " + table + " VALUES (" + row.stream().map(Sql::literal).collect(Collectors.joining(", ")) + ")");
        }
    }

    /** The rows as the runtime receives them (PostgreSQL's text output); about 30% are picked for deletion. */
    private void readBack(String table, Random random) throws Exception {
        ZSet<Map<String, String>> all = new ZSet<>();
        ZSet<Map<String, String>> gone = new ZSet<>();
        List<Integer> ids = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + Sql.ident(table))) {
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                }
                all.add(row, 1);
                if (random.nextInt(10) < 3) {
                    gone.add(row, -1);
                    ids.add(rs.getInt("id"));
                }
            }
        }
        inserted.put(TABLES.get(table), all);
        deleted.put(TABLES.get(table), gone);
        deletedIds.put(table, ids);
    }

    @AfterAll
    void close() throws Exception {
        connection.close();
    }

    Stream<String> queries() {
        return DifferentialQueries.ALL.stream();
    }

    @ParameterizedTest
    @MethodSource("queries")
    void engineEqualsPostgres(String query) throws Exception {
        try {
            CompiledQuery compiled = QueryCompiler.compile(query, List.of("public"), new PgSourceCatalog(connection));
            assertEquals(oracle.columnNames(query), compiled.outputColumns(), "column names");
            ZSet<List<String>> state = new ZSet<>();
            String engineError = null;
            try {
                state.addAll(compiled.pipeline().apply(inserted));
            } catch (EvaluationException e) {
                engineError = e.getMessage();
            }
            String pgError = oracle.error(query);
            if (pgError != null || engineError != null) {
                assertEquals(withoutValue(pgError), withoutValue(engineError), "error (seed " + SEED + ")");
                return;
            }
            assertNull(oracle.difference(query, state), "after inserting all rows (seed " + SEED + ")");

            state.addAll(compiled.pipeline().apply(deleted));
            try (Statement s = connection.createStatement()) {
                for (Map.Entry<String, List<Integer>> e : deletedIds.entrySet()) {
                    s.execute("DELETE FROM " + Sql.ident(e.getKey()) + " WHERE id = ANY('{" + e.getValue().stream()
                            .map(String::valueOf).collect(Collectors.joining(",")) + "}'::int[])");
                }
            }
            assertNull(oracle.difference(query, state), "after deleting rows (seed " + SEED + ")");
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            fail("query failed: " + e, e);
        } finally {
            connection.rollback();
        }
    }

    /** Which row fails first may differ; the message up to the offending value must not. */
    private static String withoutValue(String message) {
        return message == null ? null : message.replaceAll(": \".*$", "").replaceAll("^\"[^\"]*\" is", "\"?\" is");
    }
}
