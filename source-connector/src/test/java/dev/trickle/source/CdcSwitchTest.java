package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Switching a source between trigger and WAL capture while writers run (migration V0_4_0_19, {@link CdcSwitches}):
 * every committed change reaches the ticks exactly once, whichever way it was captured.
 */
class CdcSwitchTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    private static final String BAG = TopicNames.changes("trickle", "public", "bag");

    private static final String[][] STEPS = {{"bag", "wal"}, {"orders", "trigger"}, {"orders", "wal"}, {"bag", "trigger"}};

    private final WalDatabases databases = new WalDatabases();

    @AfterEach
    void dropSlots() throws Exception {
        databases.dropSlots();
    }

    private String setUp(String hint, String ordersMode, String bagMode) throws Exception {
        String url = databases.create(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => '" + ordersMode + "')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => '" + bagMode + "')");
        return url;
    }

    /**
     * Random concurrent writers (transactions open across ticks, rollbacks) while both sources switch between
     * trigger and WAL capture eight times each: half while the task runs (a switch a tick), half while it is stopped
     * (the decoder then meets all those switches at once after its restart). The delivered ticks add up to exactly
     * the final tables.
     */
    @Test
    void switchingBothWaysWhileWritersRunLosesAndDoublesNothing() throws Exception {
        String url = setUp("cdcswitch", "wal", "trigger");
        List<TaskHarness.Tick> delivered = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        // the writers run until every switch is made (rounds of random DML, each ending with commits)
        Thread writer = new Thread(() -> {
            long seed = 23;
            do {
                RandomWriter.run(url, 100, seed++);
                rounds.incrementAndGet();
            } while (!done.get());
        });
        int switches = 0;
        long lastTick;
        try (TaskHarness a = new TaskHarness(url)) {
            delivered.add(acknowledged(a, a.nextTick())); // WAL capture runs: its slot exists
            writer.start();
            while (switches < 8) {
                switchNext(url, switches++);
                delivered.add(acknowledged(a, a.nextTick()));
            }
            lastTick = delivered.get(delivered.size() - 1).tick;
        }
        // a tick whose snapshot was taken ahead, before the last switches, may complete before the decoder met them
        int unpassed = Integer.parseInt(one(url, "SELECT count(*) FROM pgtrickle.pgt_cdc_switches"));
        while (switches < 16) {
            int before = rounds.get();
            switchNext(url, switches++);
            await(() -> rounds.get() > before + 1, "the writers commit between two switches");
        }
        assertEquals(String.valueOf(unpassed + 8), one(url, "SELECT count(*) FROM pgtrickle.pgt_cdc_switches"),
                "the stopped decoder passed none");
        done.set(true);
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", lastTick), true)) {
            while (writer.isAlive()) {
                delivered.add(b.nextTick());
            }
            writer.join();
            delivered.add(b.nextTick());
            // the decoder passes every switch; a source no longer captured from the WAL leaves the publication
            delivered.add(b.tickWhere(t -> "0".equals(uncheckedOne(url, "SELECT count(*) FROM pgtrickle.pgt_cdc_switches"))));
            b.tickPastNow(delivered);
            delivered.add(b.nextTick());
        }
        List<TaskHarness.Tick> ticks = delivered;
        assertEquals(RandomWriter.table(url, "orders"), sumOfTicks(ticks, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), sumOfTicks(ticks, BAG));
        assertFalse(RandomWriter.table(url, "orders").isEmpty());
        // after six switches each: orders back on WAL, bag back on triggers
        assertEquals("public.bag trigger,public.orders wal", one(url, "SELECT string_agg(format('%s %s', source_table, "
                + "cdc_mode), ',' ORDER BY 1) FROM (SELECT DISTINCT source_table, cdc_mode FROM pgtrickle.list_sources('o') "
                + "UNION SELECT DISTINCT source_table, cdc_mode FROM pgtrickle.list_sources('g')) x"));
        assertEquals("0", one(url, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname LIKE 'pgt\\_cdc\\_%'"));
        assertEquals("t", one(url, "SELECT bool_and(present AND enabled) FROM pgtrickle.trigger_inventory() "
                + "WHERE source_table = 'public.bag'"));
        assertEquals("public.orders", one(url, "SELECT string_agg(format('%I.%I', schemaname, tablename), ',') "
                + "FROM pg_publication_tables WHERE pubname = 'pgtrickle_wal'"));
    }

    /** alter_stream_table(cdc_mode =>) switches the stream table's sources; other stream tables over them are named. */
    @Test
    void alterStreamTableSwitchesItsSourcesAndSaysWhichOthersFollow() throws Exception {
        String url = setUp("cdcalter", "trigger", "trigger");
        exec(url, "SELECT pgtrickle.create_stream_table('o2', 'SELECT id FROM orders WHERE id > 10')");
        SQLException bad = assertThrows(SQLException.class,
                () -> exec(url, "SELECT pgtrickle.alter_stream_table('o', cdc_mode => 'logical')"));
        assertTrue(bad.getMessage().contains("invalid cdc_mode 'logical'"), bad.getMessage());
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            exec(url, "INSERT INTO orders VALUES (1, 'trigger')");
            // no slot exists yet: the first switch to WAL refills the stream tables over the source, with a warning
            List<String> warnings = warnings(url, "SELECT pgtrickle.alter_stream_table('o', cdc_mode => 'wal')");
            assertTrue(warnings.stream().anyMatch(w -> w.contains("no replication slot exists yet")), warnings.toString());
            assertTrue(warnings.stream().anyMatch(w -> w.contains("including public.o2")), warnings.toString());
            assertEquals("wal", one(url, "SELECT cdc_mode FROM pgtrickle.list_sources('o2')"));
            assertEquals("f", one(url, "SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass"));
            exec(url, "INSERT INTO orders VALUES (2, 'wal')");
            h.tickWhere(t -> "1".equals(uncheckedOne(url, "SELECT count(*) FROM pg_replication_slots "
                    + "WHERE database = current_database()")));
            exec(url, "INSERT INTO orders VALUES (3, 'wal, slot there')");
            assertEquals(List.of("+{id=3, note=wal, slot there}"),
                    h.tickWhere(t -> !t.changes(ORDERS).isEmpty()).changes(ORDERS));
            // back to triggers: the switch is recorded until the decoder passes it
            exec(url, "SELECT pgtrickle.alter_stream_table('o', cdc_mode => 'trigger')");
            exec(url, "INSERT INTO orders VALUES (4, 'trigger again')");
            assertEquals(List.of("+{id=4, note=trigger again}"),
                    h.tickWhere(t -> !t.changes(ORDERS).isEmpty()).changes(ORDERS));
            // no WAL source left: the switch passed, the table leaves the publication, which goes with the slot
            h.tickWhere(t -> "0".equals(uncheckedOne(url, "SELECT count(*) FROM pg_replication_slots "
                    + "WHERE database = current_database()")));
            assertEquals("0", one(url, "SELECT count(*) FROM pgtrickle.pgt_cdc_switches"));
            assertEquals("0", one(url, "SELECT count(*) FROM pg_publication"));
            // the same mode again changes nothing
            assertEquals(null, one(url, "SELECT switch_lsn FROM pgtrickle.set_source_cdc_mode('orders', 'trigger')"));
        }
    }

    /**
     * The sum of every tick's rows on one topic; no row may be below zero after a tick. Within a tick the order of
     * rows does not matter (the engine consolidates a tick's delta), and after a switch it is not commit order: the
     * decoder writes the rows of transactions that committed before the switch after the triggers wrote later ones.
     */
    private static Map<String, Long> sumOfTicks(List<TaskHarness.Tick> ticks, String topic) {
        Map<String, Long> out = new java.util.HashMap<>();
        for (TaskHarness.Tick t : ticks) {
            for (int i = 0; i < t.records.size(); i++) {
                if (t.records.get(i).topic().equals(topic)
                        && t.decoded.get(i) instanceof dev.trickle.core.records.ChangeRecord.Row row) {
                    out.merge(row.values().toString(), (long) row.weight(), Long::sum);
                }
            }
            out.forEach((row, n) -> assertTrue(n >= 0, "row " + row + " retracted more often than inserted by tick " + t.tick));
        }
        out.values().removeIf(n -> n == 0);
        return out;
    }

    /** The next switch of the sequence: one of the two tables is always captured from the WAL, so the slot stays. */
    private static void switchNext(String url, int n) throws SQLException {
        String[] step = STEPS[n % STEPS.length];
        assertEquals(step[1], one(url, "SELECT new_mode FROM pgtrickle.set_source_cdc_mode('" + step[0] + "', '"
                + step[1] + "')"));
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private static TaskHarness.Tick acknowledged(TaskHarness h, TaskHarness.Tick t) throws InterruptedException {
        h.acknowledge(t);
        return t;
    }

    private static List<String> warnings(String url, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute(sql);
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                out.add(w.getMessage());
            }
        }
        return out;
    }

    private static String uncheckedOne(String url, String sql) {
        try {
            return one(url, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
