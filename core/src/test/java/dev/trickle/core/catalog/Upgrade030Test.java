package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The 0.3.0 → 0.4.0 upgrade by the normal path (the installer, as {@code trickle install} and the connector
 * run it): a 0.3.0 catalog (the fixture catalog-0.3.0/catalog.sql) with stream tables, changes pending in its
 * buffers and writers running becomes a current catalog whose stream tables have the same names and queries,
 * waiting for their fill, with statement-level capture; each change committed after the swap is in the new
 * buffers exactly once, and no writer fails across it.
 */
class Upgrade030Test {
    /** Installs the 0.3.0 fixture (its catalog tables and the capture its create_stream_table made). */
    static void installFixture(String url) throws SQLException, IOException {
        try (InputStream in = Upgrade030Test.class.getResourceAsStream("/catalog-0.3.0/catalog.sql")) {
            assertNotNull(in, "fixture catalog-0.3.0/catalog.sql");
            EmbeddedPg.exec(url, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aCatalogOf030WithPendingChangesAndWritersRunningIsCarriedOver() throws Exception {
        String url = EmbeddedPg.freshDatabase("upgrade_030");
        installFixture(url);
        EmbeddedPg.exec(url, "CREATE TABLE u_customers (id int PRIMARY KEY, name text, country text)",
                "CREATE TABLE u_orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2))",
                "CREATE TABLE u_log (k text, n int)",
                "CREATE TABLE u_seq (id int PRIMARY KEY, v int, writer int)",
                "CREATE TABLE w_a (id int PRIMARY KEY, v int)", "CREATE TABLE w_b (id int PRIMARY KEY, v int)",
                "INSERT INTO u_customers SELECT g, 'c' || g, (ARRAY['DE','FR'])[1 + g % 2] FROM generate_series(1, 10) g",
                "INSERT INTO u_orders SELECT g, 1 + g % 10, g * 1.5 FROM generate_series(1, 50) g",
                "SELECT pgtrickle._fixture_create_stream_table('public', 'st_totals', 'SELECT c.country, count(*) AS orders, "
                        + "sum(o.amount) AS total FROM u_orders o JOIN u_customers c ON c.id = o.customer_id GROUP BY c.country', "
                        + "ARRAY['u_orders'::regclass, 'u_customers'::regclass])",
                "SELECT pgtrickle._fixture_create_stream_table('public', 'st_log', 'SELECT k, n FROM u_log', "
                        + "ARRAY['u_log'::regclass], '30s', 'FULL')",
                "SELECT pgtrickle._fixture_create_stream_table('public', 'st_seq', 'SELECT writer, count(*) AS n FROM u_seq "
                        + "GROUP BY writer', ARRAY['u_seq'::regclass])",
                "SELECT pgtrickle._fixture_create_stream_table('public', 'st_w', 'SELECT a.id, a.v, b.v AS bv FROM w_a a "
                        + "JOIN w_b b USING (id)', ARRAY['w_a'::regclass, 'w_b'::regclass])",
                // changes 0.3.0 has not applied yet
                "INSERT INTO u_orders VALUES (51, 3, 9.99)", "UPDATE u_orders SET amount = amount + 1 WHERE id % 7 = 0",
                "DELETE FROM u_customers WHERE id = 4", "INSERT INTO u_log VALUES ('a', 1), ('a', 1)");
        assertEquals("0", EmbeddedPg.one(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_%'"));
        assertTrue(Long.parseLong(pending(url)) > 10, "pending 0.3.0 changes: " + pending(url));

        try (SequenceWriters seq = new SequenceWriters(url, 3); SourceWriters writers = new SourceWriters(url, List.of("w_a", "w_b"), 3)) {
            seq.awaitCommitted(30);
            writers.awaitProgress(30);
            String version = CatalogInstaller.install(url, "postgres", "postgres");
            assertTrue(version.startsWith("0.4.0."), version);
            seq.awaitCommitted(seq.total() + 30);
            writers.awaitProgress(30);
            seq.close();
            writers.close();
            assertTrue(seq.errors.isEmpty(), "sequence writers failed: " + seq.errors);
            assertTrue(writers.errors().isEmpty(), "writers failed: " + writers.errors());
            assertSwapExact(url, seq);
        }

        // the old catalog is gone, with its capture; the new capture is statement-level and complete
        assertEquals("0|0", EmbeddedPg.one(url, "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pgtrickle%0\\_3\\_0') "
                + "|| '|' || (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_trickle%')"));
        assertEquals("6|statement|0", EmbeddedPg.one(url, "SELECT count(DISTINCT source_oid) || '|' || string_agg(DISTINCT "
                + "trigger_mode, ',') || '|' || count(*) FILTER (WHERE NOT (present AND enabled)) FROM pgtrickle.trigger_inventory()"));
        assertEquals("0", EmbeddedPg.one(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%' AND (tgtype & 1) = 1"));
        // the stream tables: same names, queries, schedules and modes, filled anew at the next tick
        assertEquals("st_log:SELECT k, n FROM u_log:30s:FULL:true|st_seq:1m:DIFFERENTIAL:true|st_totals:1m:DIFFERENTIAL:true"
                + "|st_w:1m:DIFFERENTIAL:true", EmbeddedPg.one(url, "SELECT string_agg(pgt_name || ':' || CASE WHEN pgt_name = 'st_log' "
                + "THEN defining_query || ':' ELSE '' END || schedule || ':' || refresh_mode || ':' || needs_init, '|' ORDER BY pgt_name) "
                + "FROM pgtrickle.pgt_stream_tables"));
        assertEquals("country,orders,total|0", EmbeddedPg.one(url, "SELECT (SELECT string_agg(attname, ',' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'st_totals'::regclass AND attnum > 0) || '|' || (SELECT count(*) FROM st_totals)"));
    }

    private static String pending(String url) throws SQLException {
        return EmbeddedPg.one(url, "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s', "
                + "c.oid::regclass), false, true, '')))[1]::text::bigint) FROM pg_class c WHERE c.relnamespace = "
                + "'pgtrickle_changes'::regnamespace AND c.relkind = 'r'");
    }

    /**
     * Each writer's ids are consecutive and committed in order, so the changes the new capture holds must be one
     * unbroken tail of each writer's ids, each id once, up to its last committed one (and the head, before it,
     * went to the old capture: writers were running across the swap).
     */
    private static void assertSwapExact(String url, SequenceWriters seq) throws SQLException {
        String buffer = EmbeddedPg.one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'u_seq'");
        for (int w = 0; w < seq.writers; w++) {
            int first = SequenceWriters.base(w) + 1;
            int last = SequenceWriters.base(w) + seq.committed.get(w);
            String row = EmbeddedPg.one(url, "SELECT min(id) || '|' || max(id) || '|' || count(*) || '|' || count(DISTINCT id) "
                    + "FROM pgtrickle_changes." + buffer + " WHERE writer = " + w + " AND __pgt_op = '+' AND v = 0");
            String[] f = row.split("\\|");
            int min = Integer.parseInt(f[0]);
            assertTrue(min > first, "writer " + w + " wrote before the swap (first id " + first + ", first new " + min + ")");
            assertEquals((last - min + 1) + "|" + (last - min + 1) + "|" + last, f[2] + "|" + f[3] + "|" + f[1],
                    "writer " + w + ": ids " + min + ".." + last + " each once in the new buffer");
            // and each transaction's update of its row is there as -old/+new
            assertEquals(Integer.toString(3 * (last - min + 1)), EmbeddedPg.one(url, "SELECT count(*) FROM pgtrickle_changes."
                    + buffer + " WHERE writer = " + w));
        }
    }

    /** Writers that each insert consecutive ids (and update the new row in the same transaction) into u_seq. */
    static final class SequenceWriters implements AutoCloseable {
        final int writers;
        final AtomicIntegerArray committed;
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        SequenceWriters(String url, int writers) {
            this.writers = writers;
            this.committed = new AtomicIntegerArray(writers);
            for (int w = 0; w < writers; w++) {
                int writer = w;
                Thread t = new Thread(() -> run(url, writer), "sequence-writer-" + w);
                threads.add(t);
                t.start();
            }
        }

        static int base(int writer) {
            return (writer + 1) * 1_000_000;
        }

        private void run(String url, int writer) {
            try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                while (running.get()) {
                    int id = base(writer) + committed.get(writer) + 1;
                    s.executeUpdate("INSERT INTO u_seq VALUES (" + id + ", 0, " + writer + ")");
                    s.executeUpdate("UPDATE u_seq SET v = 1 WHERE id = " + id);
                    c.commit();
                    committed.incrementAndGet(writer);
                }
            } catch (SQLException | RuntimeException e) {
                errors.add(e);
            }
        }

        int total() {
            int n = 0;
            for (int w = 0; w < writers; w++) {
                n += committed.get(w);
            }
            return n;
        }

        void awaitCommitted(int target) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 60_000;
            while (total() < target && errors.isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("sequence writers made no progress: " + total() + " of " + target);
                }
                Thread.sleep(10);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }
}
