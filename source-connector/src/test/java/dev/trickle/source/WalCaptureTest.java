package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * WAL capture on real PostgreSQL (wal_level=logical): sources created with cdc_mode => 'wal' have no trigger, and
 * their ticks hold exactly the committed changes, as a trigger-captured source's do.
 */
class WalCaptureTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    private static final String BAG = TopicNames.changes("trickle", "public", "bag");

    private final WalDatabases databases = new WalDatabases();

    @org.junit.jupiter.api.AfterEach
    void dropSlots() throws Exception {
        databases.dropSlots();
    }

    private String database(String hint) {
        return databases.create(hint);
    }

    private String setUp(String hint) throws Exception {
        String url = database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'wal')");
        return url;
    }

    @Test
    void walSourcesHaveNoTriggerAndFullReplicaIdentity() throws Exception {
        String url = setUp("walsetup");
        assertEquals("0", one(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%'"));
        assertEquals("f", one(url, "SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass"));
        assertEquals("wal", one(url, "SELECT string_agg(DISTINCT cdc_mode, ',') FROM pgtrickle.pgt_sources"));
        assertEquals("2", one(url, "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pgtrickle_wal'"));
        assertEquals("0", one(url, "SELECT count(*) FROM pgtrickle.trigger_inventory()"));
        assertEquals("wal", one(url, "SELECT cdc_mode FROM pgtrickle.list_sources('o')"));
        java.sql.SQLException bad = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                () -> exec(url, "CREATE TABLE x (a int)",
                        "SELECT pgtrickle.create_stream_table('sx', 'SELECT * FROM x', cdc_mode => 'logical')"));
        assertTrue(bad.getMessage().contains("invalid cdc_mode 'logical'"), bad.getMessage());
        assertNull(one(url, "SELECT to_regclass('public.sx')"), "a refused create leaves nothing behind");
        // auto without a connector that may replicate falls back to triggers, with a warning saying why
        exec(url, "INSERT INTO pgtrickle.pgt_cdc_settings (cdc_mode, wal_possible, wal_problem) "
                        + "VALUES ('auto', false, 'the connector''s role may not use replication')",
                "CREATE TABLE y (a int)", "SELECT pgtrickle.create_stream_table('sy', 'SELECT * FROM y')");
        assertEquals("trigger", one(url, "SELECT cdc_mode FROM pgtrickle.list_sources('sy')"));
    }

    /** The same DML on a WAL-captured table and a trigger-captured twin gives the same change rows. */
    @Test
    void walRowsEqualTriggerRowsForEveryKindOfChangeAndType() throws Exception {
        String url = database("waltypes");
        String columns = "(id int PRIMARY KEY, n numeric(12,4), f float8, ts timestamptz, t timestamp, d date, "
                + "j jsonb, big text, tags text[], iv interval, b bytea)";
        exec(url, "CREATE TABLE w " + columns, "CREATE TABLE g " + columns,
                "SELECT pgtrickle.create_stream_table('sw', 'SELECT * FROM w', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('sg', 'SELECT * FROM g', cdc_mode => 'trigger')");
        String w = TopicNames.changes("trickle", "public", "w");
        String g = TopicNames.changes("trickle", "public", "g");
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        try (TaskHarness h = new TaskHarness(url)) {
            ticks.add(h.nextTick());
            for (String table : List.of("w", "g")) {
                exec(url, "INSERT INTO " + table + " VALUES (1, 1.5000, 0.1, '2024-02-29 13:45:01.123456+05:30', "
                                + "'1999-12-31 23:59:59.5', '2000-01-01', '{\"a\": [1, 2.50]}', repeat('x', 100000), "
                                + "'{a,\"b c\",NULL}', '1 day 02:03:04', '\\x00ff'), "
                                + "(2, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                        // the big value is TOASTed and unchanged: the WAL's new row does not repeat it
                        "UPDATE " + table + " SET n = n * 3, f = 1e-300 WHERE id = 1",
                        "UPDATE " + table + " SET id = 3 WHERE id = 2",
                        "DELETE FROM " + table + " WHERE id = 3");
            }
            long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            while ((count(ticks, w) < 7 || count(ticks, g) < 7) && System.currentTimeMillis() < deadline) {
                ticks.add(h.nextTick());
            }
        }
        List<String> fromWal = new ArrayList<>();
        List<String> fromTriggers = new ArrayList<>();
        ticks.forEach(t -> fromWal.addAll(t.changes(w)));
        ticks.forEach(t -> fromTriggers.addAll(t.changes(g)));
        assertEquals(7, fromWal.size(), "+1 +2, -1 +1, -2 +3, -3: " + fromWal);
        assertEquals(fromTriggers, fromWal);
        assertTrue(fromWal.get(2).contains("xxxxxxxx"), "the unchanged TOAST value is in the UPDATE's new row");
    }

    /**
     * The orders changes of the ticks up to the first one taken after now, each non-empty tick's as one list (ticks
     * whose snapshots were taken ahead, before now, come first).
     */
    private static List<List<String>> changesUpToNow(TaskHarness h) throws Exception {
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        h.tickPastNow(ticks);
        return ticks.stream().map(t -> t.changes(ORDERS)).filter(c -> !c.isEmpty()).toList();
    }

    @Test
    void longAbortedAndSavepointTransactionsLandInTheTickThatSeesThem() throws Exception {
        String url = setUp("wallongtx");
        try (TaskHarness h = new TaskHarness(url);
             Connection slow = EmbeddedPg.connect(url);
             Connection aborted = EmbeddedPg.connect(url)) {
            h.nextTick(); // WAL capture runs (its slot is made before a WAL-captured source is read)
            slow.setAutoCommit(false);
            aborted.setAutoCommit(false);
            try (Statement s = slow.createStatement(); Statement a = aborted.createStatement()) {
                s.execute("INSERT INTO orders VALUES (100, 'slow')");
                s.execute("SAVEPOINT one");
                s.execute("INSERT INTO orders VALUES (101, 'rolled back')");
                s.execute("ROLLBACK TO SAVEPOINT one");
                s.execute("SAVEPOINT two");
                s.execute("INSERT INTO orders VALUES (102, 'kept')");
                s.execute("RELEASE SAVEPOINT two");
                a.execute("INSERT INTO orders VALUES (200, 'aborted')");
                exec(url, "INSERT INTO orders VALUES (1, 'quick')");
                assertEquals(List.of(List.of("+{id=1, note=quick}")), changesUpToNow(h));
                // open writers of a WAL-captured source have no buffer rows yet: found by their lock on the source
                assertEquals("2", one(url, "SELECT count(*) FROM pgtrickle.open_transactions() WHERE sources = '{public.orders}'"));
                for (int i = 0; i < 3; i++) {
                    exec(url, "INSERT INTO orders VALUES (" + (10 + i) + ", 'later')");
                    assertEquals(List.of(List.of("+{id=" + (10 + i) + ", note=later}")), changesUpToNow(h));
                }
                slow.commit();
                aborted.rollback();
            }
            assertEquals(List.of(List.of("+{id=100, note=slow}", "+{id=102, note=kept}")), changesUpToNow(h));
            for (int i = 0; i < 2; i++) {
                assertEquals(List.of(), h.nextTick().changes(ORDERS));
            }
        }
    }

    /** Random concurrent writers (with rollbacks): adding up every tick's rows gives exactly the final tables. */
    @Test
    void everyCommittedChangeArrivesExactlyOnce() throws Exception {
        String url = setUp("walexactlyonce");
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        Thread writer = new Thread(() -> RandomWriter.run(url, 300, 11));
        try (TaskHarness h = new TaskHarness(url)) {
            ticks.add(h.nextTick());
            writer.start();
            while (writer.isAlive()) {
                ticks.add(h.nextTick());
            }
            writer.join();
            h.tickPastNow(ticks);
        }
        assertTrue(ticks.size() > 3, "the writes spread over several ticks");
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(ticks, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(ticks, BAG));
        assertFalse(RandomWriter.table(url, "bag").isEmpty());
    }

    /**
     * The task stops while writers run and starts again from the committed offset: the decoder resumes from the
     * slot, and the ticks Kafka has plus the new ones hold every change once.
     */
    @Test
    void aRestartedTaskLosesAndDoublesNothing() throws Exception {
        String url = setUp("walrestart");
        List<TaskHarness.Tick> delivered = new ArrayList<>();
        Thread writer = new Thread(() -> RandomWriter.run(url, 300, 5));
        long lastTick;
        try (TaskHarness a = new TaskHarness(url)) {
            delivered.add(a.nextTick());
            writer.start();
            for (int i = 0; i < 4; i++) {
                TaskHarness.Tick t = a.nextTick();
                a.acknowledge(t);
                delivered.add(t);
            }
            lastTick = delivered.get(delivered.size() - 1).tick;
            // one more tick is taken (recorded) but never reaches Kafka
            a.nextTick();
        }
        String confirmed = one(url, "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE database = current_database()");
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", lastTick), true)) {
            while (writer.isAlive()) {
                delivered.add(b.nextTick());
            }
            writer.join();
            b.tickPastNow(delivered);
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(delivered, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(delivered, BAG));
        assertTrue(Long.parseLong(one(url, "SELECT count(*) FROM pgtrickle.pgt_ticks")) > delivered.size() - 2);
        assertEquals("t", one(url, "SELECT confirmed_flush_lsn > '" + confirmed + "' FROM pg_replication_slots WHERE database = current_database()"),
                "the slot's confirmed position follows what is in the buffers");
    }

    @Test
    void theSlotAndPublicationGoWhenNoSourceIsCapturedFromTheWal() throws Exception {
        String url = setUp("walcleanup");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            assertEquals("1", one(url, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"));
            exec(url, "SELECT pgtrickle.drop_stream_table('o')", "SELECT pgtrickle.drop_stream_table('g')",
                    "CREATE TABLE t (x int)", "SELECT pgtrickle.create_stream_table('st', 'SELECT * FROM t')");
            h.nextTick();
            h.nextTick();
            assertEquals("0", one(url, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"));
            assertNull(one(url, "SELECT pubname FROM pg_publication"));
        }
    }

    @Test
    void columnsAddedAndDroppedWhileDecodingAreFollowed() throws Exception {
        String url = setUp("walddl");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            exec(url, "INSERT INTO orders VALUES (1, 'a')");
            assertEquals(List.of("+{id=1, note=a}"), h.tickWhere(t -> !t.changes(ORDERS).isEmpty()).changes(ORDERS));
            exec(url, "ALTER TABLE orders ADD COLUMN extra int", "INSERT INTO orders VALUES (2, 'b', 7)",
                    "UPDATE orders SET extra = 8 WHERE id = 1");
            List<String> rows = new ArrayList<>();
            long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            while (rows.size() < 3 && System.currentTimeMillis() < deadline) {
                rows.addAll(h.nextTick().changes(ORDERS));
            }
            assertEquals(List.of("+{id=2, note=b, extra=7}", "-{id=1, note=a, extra=null}", "+{id=1, note=a, extra=8}"),
                    rows);
            exec(url, "ALTER TABLE orders DROP COLUMN extra", "DELETE FROM orders WHERE id = 2");
            assertEquals(List.of("-{id=2, note=b}"), h.tickWhere(t -> !t.changes(ORDERS).isEmpty()).changes(ORDERS));
        }
    }

    /** TRUNCATE does not say in the WAL which rows went: the stream tables over the source are filled again. */
    @Test
    void aTruncatedSourceIsFilledAgain() throws Exception {
        String url = setUp("waltruncate");
        exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
        long pgtId = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'o'"));
        try (TaskHarness h = new TaskHarness(url)) {
            exec(url, "INSERT INTO orders VALUES (1, 'a'), (2, 'b')");
            h.tickWhere(x -> !x.recordsOf(dev.trickle.core.records.ChangeRecord.Init.class).isEmpty());
            exec(url, "TRUNCATE orders", "INSERT INTO orders VALUES (3, 'c')");
            TaskHarness.Tick t = h.tickWhere(x -> !x.rows(ORDERS, pgtId).isEmpty());
            assertEquals(List.of("+{id=3, note=c}"), t.rows(ORDERS, pgtId));
        }
    }

    /** A slot dropped by hand while the task was away: the changes in between are lost to it, so its stream tables are filled again. */
    @Test
    void aLostSlotMeansItsStreamTablesAreFilledAgain() throws Exception {
        String url = setUp("wallostslot");
        long last;
        exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
        try (TaskHarness a = new TaskHarness(url)) {
            a.tickWhere(x -> !x.recordsOf(dev.trickle.core.records.ChangeRecord.Init.class).isEmpty()); // the first fill
            exec(url, "INSERT INTO orders VALUES (1, 'a')");
            TaskHarness.Tick t = a.tickWhere(x -> !x.changes(ORDERS).isEmpty());
            a.acknowledge(t);
            last = t.tick;
        }
        exec(url, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()",
                "INSERT INTO orders VALUES (2, 'while no slot')");
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", last), true)) {
            TaskHarness.Tick t = b.tickWhere(x -> !x.recordsOf(dev.trickle.core.records.ChangeRecord.Init.class).isEmpty());
            long pgtId = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'o'"));
            assertEquals(List.of("+{id=1, note=a}", "+{id=2, note=while no slot}"), t.rows(ORDERS, pgtId));
        }
    }

    private static int count(List<TaskHarness.Tick> ticks, String topic) {
        return ticks.stream().mapToInt(t -> t.changes(topic).size()).sum();
    }
}
