package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.LocalStack;
import dev.trickle.cli.Postgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The capture's life on the real stack (issue 11, parts 2 and 3). A database with a 0.3.0 catalog (the fixture
 * core/src/test/resources/catalog-0.3.0/catalog.sql: stream tables, row-level capture, changes pending in its
 * buffers) gets a stack started on it while writers run: the stack's install upgrades the catalog and the
 * connector fills the stream tables, each then equal to its query. After that, rebuild_cdc_triggers() moves the
 * sources to row-level capture and back under writers, and every stream table still equals its query.
 *
 * <p>Its own stack on its own PostgreSQL (the shared one has a current catalog already), so this class uses
 * E2eSupport's helpers without extending it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcUpgradeEndToEndTest {
    static final Path FIXTURE = Path.of("../core/src/test/resources/catalog-0.3.0/catalog.sql");
    static final String TOTALS_Q = "SELECT c.country, count(*) AS orders, sum(o.amount) AS total "
            + "FROM x_orders o JOIN x_customers c ON c.id = o.customer_id GROUP BY c.country";
    static final String LOG_Q = "SELECT k, n FROM x_log";
    static final String ORDERS_Q = "SELECT id, customer_id, amount FROM x_orders WHERE amount > 10";
    static final String[] ALL = {"public.x_totals", "public.x_log_st", "public.x_big_orders"};

    private Postgres pg;
    private LocalStack upgradeStack;

    @BeforeAll
    void stackUp(@TempDir Path dir) throws Exception {
        assertTrue(Files.isRegularFile(FIXTURE), "the 0.3.0 fixture is read from " + FIXTURE.toAbsolutePath());
        pg = Postgres.startEmbedded(dir.resolve("pg-data"), dir.resolve("postgres.log"), true);
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute(Files.readString(FIXTURE, StandardCharsets.UTF_8));
            for (String sql : List.of(
                    "CREATE TABLE x_customers (id int PRIMARY KEY, name text, country text)",
                    "CREATE TABLE x_orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2))",
                    "CREATE TABLE x_log (k text, n int)",
                    // schedules of a second: with 0.3.0's default ('1m') the sink applies them once a minute, and
                    // each wait for the stream tables to catch up took up to that minute
                    "INSERT INTO x_customers SELECT g, 'c' || g, (ARRAY['DE','FR','US'])[1 + g % 3] FROM generate_series(1, 20) g",
                    "INSERT INTO x_orders SELECT g, 1 + g % 20, g % 40 + 0.5 FROM generate_series(1, 200) g",
                    "SELECT pgtrickle._fixture_create_stream_table('public', 'x_totals', '" + TOTALS_Q.replace("'", "''")
                            + "', ARRAY['x_orders'::regclass, 'x_customers'::regclass], '1s')",
                    "SELECT pgtrickle._fixture_create_stream_table('public', 'x_log_st', '" + LOG_Q
                            + "', ARRAY['x_log'::regclass], '1s', 'FULL')",
                    "SELECT pgtrickle._fixture_create_stream_table('public', 'x_big_orders', '" + ORDERS_Q
                            + "', ARRAY['x_orders'::regclass], '1s')",
                    // pending in the 0.3.0 buffers
                    "UPDATE x_orders SET amount = amount + 20 WHERE id % 9 = 0", "DELETE FROM x_customers WHERE id = 5",
                    "INSERT INTO x_log VALUES ('a', 1), ('a', 1), ('b', NULL)")) {
                s.execute(sql);
            }
        }
    }

    @AfterAll
    void stackDown() {
        if (upgradeStack != null) {
            upgradeStack.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    @Order(1)
    void theStackUpgradesA030CatalogWithWritersRunningAndEveryStreamTableEqualsItsQuery() throws Exception {
        try (Writers writers = new Writers(pg)) {
            writers.awaitProgress(20);
            upgradeStack = LocalStack.builder()
                    .externalPostgres(pg.jdbcUrl(), pg.user(), pg.password())
                    .sourceConfig("tick.interval.ms", "200")
                    .timeout(Duration.ofSeconds(180))
                    .progress(System.err)
                    .start();
            E2eSupport.stack = upgradeStack;
            writers.awaitProgress(20);
            // two milestones of a freshly started stack: the streams app runs the carried-over stream tables,
            // then the connector fills them
            E2eSupport.await("the streams app to run the carried-over stream tables", E2eSupport.sql(() -> "0".equals(
                    E2eSupport.one("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE NOT engine_ready"))));
            E2eSupport.awaitActive(ALL);
            writers.awaitProgress(20);
            writers.close();
            assertTrue(writers.errors.isEmpty(), "writers failed: " + writers.errors);
        }
        assertEquals("0|statement", E2eSupport.one("SELECT count(*) FILTER (WHERE NOT (present AND enabled)) || '|' "
                + "|| string_agg(DISTINCT trigger_mode, ',') FROM pgtrickle.trigger_inventory()"));
        assertEquals("0", E2eSupport.one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pgtrickle%0\\_3\\_0'"));
        E2eSupport.awaitCaughtUp(ALL);
        assertAll();
    }

    @Test
    @Order(2)
    void rebuildingTheTriggersUnderWritersKeepsEveryStreamTableEqualToItsQuery() throws Exception {
        try (Writers writers = new Writers(pg)) {
            for (String mode : List.of("row", "statement", "row", "statement")) {
                writers.awaitProgress(20);
                try (Connection c = upgradeStack.connect(); Statement s = c.createStatement()) {
                    s.execute("SET pgtrickle.cdc_trigger_mode = '" + mode + "'");
                    s.execute("SELECT * FROM pgtrickle.rebuild_cdc_triggers()");
                }
                assertEquals("0|" + mode, E2eSupport.one("SELECT count(*) FILTER (WHERE NOT (present AND enabled)) || '|' "
                        + "|| string_agg(DISTINCT trigger_mode, ',') FROM pgtrickle.trigger_inventory()"));
            }
            writers.awaitProgress(20);
            writers.close();
            assertTrue(writers.errors.isEmpty(), "writers failed: " + writers.errors);
        }
        E2eSupport.awaitCaughtUp(ALL);
        assertAll();
    }

    private static void assertAll() throws SQLException {
        E2eSupport.assertMatches("public.x_totals", "*", TOTALS_Q);
        E2eSupport.assertMatches("public.x_log_st", "*", LOG_Q);
        E2eSupport.assertMatches("public.x_big_orders", "*", ORDERS_Q);
    }

    /** One writer committing small random transactions over the three sources until closed. */
    static final class Writers implements AutoCloseable {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong committed = new AtomicLong();
        private final Thread thread;

        Writers(Postgres pg) {
            thread = new Thread(() -> run(pg), "cdc-e2e-writer");
            thread.start();
        }

        private void run(Postgres pg) {
            Random random = new Random(11);
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                // after every id an earlier writer used (a random start collided with the first test's writer)
                int nextOrder;
                try (ResultSet rs = s.executeQuery("SELECT greatest(coalesce(max(id), 0), 100000) + 1 FROM x_orders")) {
                    rs.next();
                    nextOrder = rs.getInt(1);
                }
                while (running.get()) {
                    s.execute("INSERT INTO x_orders VALUES (" + nextOrder++ + ", " + (1 + random.nextInt(22)) + ", "
                            + random.nextInt(50) + ".25)");
                    switch (random.nextInt(4)) {
                        case 0 -> s.execute("UPDATE x_orders SET amount = amount + 3 WHERE id % 17 = " + random.nextInt(17));
                        case 1 -> s.execute("DELETE FROM x_orders WHERE id % 23 = " + random.nextInt(23) + " AND amount < 15");
                        case 2 -> s.execute("UPDATE x_customers SET country = (ARRAY['DE','FR','US','IT'])[" + (1 + random.nextInt(4))
                                + "] WHERE id = " + (1 + random.nextInt(22)));
                        default -> s.execute("INSERT INTO x_log VALUES ('" + (char) ('a' + random.nextInt(3)) + "', "
                                + random.nextInt(3) + ")");
                    }
                    c.commit();
                    committed.incrementAndGet();
                    Thread.sleep(50); // the application's pace, not a wait for a condition
                }
            } catch (SQLException | RuntimeException e) {
                errors.add(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitProgress(long more) throws Exception {
            long target = committed.get() + more;
            E2eSupport.await("writers to commit " + more + " more transactions", () -> committed.get() >= target || !errors.isEmpty());
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }
}
