package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Restarts and failures: ticks recorded but not delivered are sent again, identical; nothing is lost. */
class RecoveryTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders VALUES (1, 'before')",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')");
        return url;
    }

    @Test
    void ticksRecordedButNotInKafkaAreSentAgainIdentically() throws Exception {
        String url = setUp("replay");
        List<TaskHarness.Tick> first = new ArrayList<>();
        try (TaskHarness a = new TaskHarness(url)) {
            first.add(a.nextTick());
            exec(url, "INSERT INTO orders VALUES (2, 'x'), (3, 'y')");
            first.add(a.nextTick());
            exec(url, "UPDATE orders SET note = 'z' WHERE id = 2");
            first.add(a.nextTick());
            exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true", "DELETE FROM orders WHERE id = 3");
            first.add(a.nextTick());
            exec(url, "INSERT INTO orders VALUES (4, 'w')");
            first.add(a.nextTick());
        }
        assertEquals("4", one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables"));

        // Kafka only has ticks up to 2 (say the worker died before committing the later transactions)
        try (TaskHarness b = new TaskHarness(url, Map.of(), Map.of("tick", 2L), true)) {
            for (int tick = 3; tick <= 5; tick++) {
                TaskHarness.Tick again = b.nextTick();
                assertEquals(tick, again.tick);
                assertEquals(describe(withoutFill(first.get(tick - 1))), describe(again.records));
                assertTrue(again.recordsOf(ChangeRecord.Init.class).isEmpty(), "a fill is never replayed");
            }
            // the stream table filled at tick 4 (not in Kafka) is filled again at the first new tick
            TaskHarness.Tick next = b.nextTick();
            assertEquals(6, next.tick);
            long pgtId = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables"));
            assertEquals(3, next.recordsOf(ChangeRecord.Init.class).size());
            assertEquals(RandomWriter.table(url, "orders").size(), next.rows(ORDERS, pgtId).size());
            assertEquals("6", one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables"));
            assertEquals(4, b.commitRequests.size(), "one Kafka transaction per tick, replayed ones included");
        }
        assertEquals("6", one(url, "SELECT count(*) FROM pgtrickle.pgt_ticks"));
    }

    @Test
    void lostOffsetsMeanEveryStreamTableIsFilledAgain() throws Exception {
        String url = setUp("lostoffsets");
        exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
        try (TaskHarness a = new TaskHarness(url)) {
            assertEquals(3, a.nextTick().recordsOf(ChangeRecord.Init.class).size());
            a.nextTick();
        }
        assertEquals("f", one(url, "SELECT needs_init FROM pgtrickle.pgt_stream_tables"));
        try (TaskHarness c = new TaskHarness(url, Map.of(), null, true)) {
            TaskHarness.Tick t = c.nextTick();
            assertEquals(3, t.tick, "new ticks continue after the recorded ones");
            assertEquals(3, t.recordsOf(ChangeRecord.Init.class).size());
            assertEquals("3", one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables"));
        }
    }

    @Test
    void aLostConnectionMidTickAbortsItAndTakesItAgain() throws Exception {
        String url = setUp("lostconn");
        exec(url, "INSERT INTO orders SELECT g, 'n' FROM generate_series(10, 2009) g",
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
        try (TaskHarness h = new TaskHarness(url, Map.of(SourceConfig.BATCH_SIZE, "200"), null, true)) {
            List<SourceRecord> batch = h.task.poll();
            while (batch == null) {
                batch = h.task.poll();
            }
            assertEquals(200, batch.size());
            exec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'trickle-source%'");
            assertThrows(RetriableException.class, () -> {
                for (int i = 0; i < 50; i++) {
                    h.task.poll();
                }
            });
            assertEquals(1, h.abortRequests, "the Kafka transaction with the half tick is aborted");
            assertNull(one(url, "SELECT tick_id FROM pgtrickle.pgt_ticks"));

            TaskHarness.Tick again = h.nextTick();
            assertEquals(1, again.tick, "the same tick is taken again, from a new snapshot");
            long pgtId = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables"));
            assertEquals(2001, again.rows(ORDERS, pgtId).size());
            assertEquals(1, h.commitRequests.size());
            assertEquals("1", one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables"));
            assertFalse(again.records.stream().anyMatch(r -> !r.topic().equals(ORDERS)));
        }
    }

    private static List<SourceRecord> withoutFill(TaskHarness.Tick t) {
        List<SourceRecord> out = new ArrayList<>();
        for (int i = 0; i < t.records.size(); i++) {
            ChangeRecord c = t.decoded.get(i);
            boolean fill = c instanceof ChangeRecord.Init || c instanceof ChangeRecord.Row r && r.streamTable() != null;
            if (!fill) {
                out.add(t.records.get(i));
            }
        }
        return out;
    }

    private static List<String> describe(List<SourceRecord> records) {
        return records.stream().map(r -> r.topic() + "/" + r.kafkaPartition() + " " + r.key() + " " + r.value() + " "
                + r.sourceOffset() + " " + r.timestamp()).toList();
    }
}
