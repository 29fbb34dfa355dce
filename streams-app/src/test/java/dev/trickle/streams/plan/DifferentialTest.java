package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.core.pg.Sql;
import dev.trickle.core.testing.EmbeddedPg;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.QueryCompiler;
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

    private Connection connection;
    private PgOracle oracle;
    private final ZSet<Map<String, String>> inserted = new ZSet<>();
    private final ZSet<Map<String, String>> deleted = new ZSet<>();
    private final List<Integer> deletedIds = new ArrayList<>();

    @BeforeAll
    void load() throws Exception {
        String url = EmbeddedPg.freshDatabase("admin");
        String name = "diff_" + Math.abs(SEED % 100_000) + "_" + System.nanoTime() % 100_000;
        try (Connection admin = EmbeddedPg.connect(url); Statement s = admin.createStatement()) {
            // the engine orders text by code point: a C.UTF-8 database does the same (and keeps Unicode case mapping)
            s.execute("CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'");
        }
        connection = DriverManager.getConnection(url.replaceAll("/[^/?]+(\\?|$)", "/" + name + "$1"), "postgres", "postgres");
        try (Statement s = connection.createStatement()) {
            s.execute(RandomSourceData.DDL);
            for (List<String> row : new RandomSourceData(SEED).rows(ROWS)) {
                s.execute("INSERT INTO src VALUES (" + row.stream().map(Sql::literal).collect(Collectors.joining(", ")) + ")");
            }
        }
        Random random = new Random(SEED);
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM src")) {
            while (rs.next()) {
                Map<String, String> row = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                }
                inserted.add(row, 1);
                if (random.nextInt(10) < 3) {
                    deleted.add(row, -1);
                    deletedIds.add(rs.getInt("id"));
                }
            }
        }
        connection.setAutoCommit(false);
        oracle = new PgOracle(connection);
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
                state.addAll(compiled.pipeline().apply(Map.of("public.src", inserted)));
            } catch (EvaluationException e) {
                engineError = e.getMessage();
            }
            String pgError = oracle.error(query);
            if (pgError != null || engineError != null) {
                assertEquals(withoutValue(pgError), withoutValue(engineError), "error (seed " + SEED + ")");
                return;
            }
            assertNull(oracle.difference(query, state), "after inserting all rows (seed " + SEED + ")");

            state.addAll(compiled.pipeline().apply(Map.of("public.src", deleted)));
            try (Statement s = connection.createStatement()) {
                s.execute("DELETE FROM src WHERE id IN (" + deletedIds.stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")) + ")");
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
