package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WAL capture's exactly-once across a crash at its worst moment: ticks in Kafka carry decoded transactions whose
 * position has not been confirmed to the slot yet, so the restarted capture receives them again (and drops them:
 * the previous tick's snapshot sees them); ticks recorded but not in Kafka are sent again from the slot.
 */
class WalCrashReplayTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    private static final String BAG = TopicNames.changes("trickle", "public", "bag");
    private String url;

    @AfterEach
    void cleanUp() throws Exception {
        DebeziumWal.beforeConfirm = null;
        DebeziumWal.maxHeldRows = 1_000_000;
        long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
        // the stopped task's WAL sender may take a moment to end (an active slot cannot be dropped)
        while (url != null && !"0".equals(one(url, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"))
                && System.currentTimeMillis() < deadline) {
            exec(url, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE database = current_database() AND NOT active");
            Thread.sleep(50);
        }
    }

    @Test
    void aCrashBetweenTheKafkaCommitAndTheSlotConfirmationReplaysWithoutDoubles() throws Exception {
        url = TaskHarness.database("walcrash");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)", "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'wal')");
        List<TaskHarness.Tick> delivered = new ArrayList<>();
        Thread writer = new Thread(() -> RandomWriter.run(url, 300, 7));
        CountDownLatch crashed = new CountDownLatch(1);
        long lastTick;
        try (TaskHarness a = new TaskHarness(url)) {
            TaskHarness.Tick first = a.nextTick();
            a.acknowledge(first);
            delivered.add(first);
            writer.start();
            // ticks in Kafka (acknowledged) until some carry the writer's transactions
            long until = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            while ((delivered.size() < 4 || RandomWriter.sum(delivered, ORDERS).isEmpty())
                    && System.currentTimeMillis() < until) {
                TaskHarness.Tick t = a.nextTick();
                a.acknowledge(t);
                delivered.add(t);
            }
            lastTick = delivered.get(delivered.size() - 1).tick;
            long[] confirming = new long[1];
            DebeziumWal.beforeConfirm = lsn -> {
                DebeziumWal.beforeConfirm = null;
                confirming[0] = lsn;
                crashed.countDown();
                throw new IllegalStateException("crash before the slot is confirmed past ticks in Kafka (test)");
            };
            // the writer may already be done on a slow machine: one more transaction makes sure an event follows
            // the acknowledgement, at which the slot would be confirmed
            exec(url, "INSERT INTO bag VALUES (-1, 'after the hook')");
            long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            while (crashed.getCount() > 0 && System.currentTimeMillis() < deadline) {
                try {
                    a.nextTick(); // recorded, never acknowledged: sent again by the next task
                } catch (org.apache.kafka.connect.errors.RetriableException e) {
                    // the crash's aftermath: the task retries
                }
            }
            assertTrue(crashed.await(0, TimeUnit.MILLISECONDS), "the slot is about to be confirmed past ticks in Kafka");
            assertEquals("t", one(url, "SELECT confirmed_flush_lsn < '" + org.postgresql.replication.LogSequenceNumber
                    .valueOf(confirming[0]).asString() + "'::pg_lsn FROM pg_replication_slots "
                    + "WHERE database = current_database()"), "Kafka holds transactions the slot will send again");
        }
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", lastTick), true)) {
            while (writer.isAlive()) {
                delivered.add(b.nextTick());
            }
            writer.join();
            delivered.add(b.nextTick());
            delivered.add(b.nextTick());
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(delivered, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(delivered, BAG));
    }

    /**
     * A failed Kafka transaction, or a task stopped before Kafka had its last ticks: the ticks recorded in PostgreSQL
     * but not in Kafka are sent again, their decoded transactions read from the slot again (it was not confirmed past
     * them), and the slot moves on once they are in Kafka.
     */
    @Test
    void ticksRecordedButNotInKafkaAreSentAgainFromTheSlot() throws Exception {
        url = TaskHarness.database("walresend");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)", "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'wal')");
        List<TaskHarness.Tick> delivered = new ArrayList<>();
        Thread writer = new Thread(() -> RandomWriter.run(url, 200, 11));
        long lastAcknowledged;
        long lastRecorded = 0;
        int lost = 0;
        try (TaskHarness a = new TaskHarness(url)) {
            TaskHarness.Tick first = a.nextTick();
            a.acknowledge(first);
            delivered.add(first);
            writer.start();
            lastAcknowledged = first.tick;
            // every other tick reaches Kafka until the writer is done; the last ones never do
            long until = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            while ((writer.isAlive() || lost < 2) && System.currentTimeMillis() < until) {
                TaskHarness.Tick t = a.nextTick();
                lastRecorded = t.tick;
                if (writer.isAlive() && t.tick % 2 == 0 && lost == 0) {
                    a.acknowledge(t);
                    delivered.add(t);
                    lastAcknowledged = t.tick;
                } else {
                    lost += rows(t) > 0 ? 1 : 0;
                }
            }
            assertTrue(lost >= 2, "ticks with the writer's changes were left out of Kafka");
        }
        writer.join();
        String confirmedBefore = one(url, "SELECT confirmed_flush_lsn FROM pg_replication_slots "
                + "WHERE database = current_database()");
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", lastAcknowledged), true)) {
            long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
            boolean moved = false;
            long tick = 0;
            // the ticks sent again, then a new one (after the writer's end: it holds the rest)
            while ((!moved || tick <= lastRecorded) && System.currentTimeMillis() < deadline) {
                TaskHarness.Tick t = b.nextTick();
                tick = t.tick;
                b.acknowledge(t);
                delivered.add(t);
                moved = "t".equals(one(url, "SELECT confirmed_flush_lsn > '" + confirmedBefore + "'::pg_lsn "
                        + "FROM pg_replication_slots WHERE database = current_database()"));
            }
            assertTrue(moved, "the slot is confirmed past the transactions of the ticks sent again");
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(delivered, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(delivered, BAG));
    }

    /** Few rows may wait in memory: decoding pauses until ticks take them, and nothing is lost or doubled. */
    @Test
    void aBoundOnHeldRowsPausesDecodingAndLosesNothing() throws Exception {
        url = TaskHarness.database("walbound");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)", "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders', cdc_mode => 'wal')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag', cdc_mode => 'wal')");
        DebeziumWal.maxHeldRows = 5;
        List<TaskHarness.Tick> delivered = new ArrayList<>();
        try (TaskHarness h = new TaskHarness(url)) {
            delivered.add(h.nextTick()); // the slot exists
            RandomWriter.run(url, 150, 13); // all of it committed before the next tick's snapshot
            while (delivered.size() < 3 || rows(delivered.get(delivered.size() - 1)) > 0) {
                TaskHarness.Tick t = h.nextTick();
                h.acknowledge(t);
                delivered.add(t);
            }
        }
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(delivered, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(delivered, BAG));
    }

    private static long rows(TaskHarness.Tick t) {
        return t.decoded.stream().filter(d -> d instanceof dev.trickle.core.records.ChangeRecord.Row).count();
    }
}
