package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the task behaves towards the Connect worker: prompt polls, quick stops, at-least-once mode. */
class TaskLifecycleTest {

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')");
        return url;
    }

    @Test
    void pollReturnsPromptlyBetweenTicksAndStopIsQuick() throws Exception {
        String url = setUp("prompt");
        TaskHarness h = new TaskHarness(url, Map.of(SourceConfig.TICK_INTERVAL_MS, "600000"), null, true);
        try {
            assertEquals(1, h.nextTick().tick);
            long started = System.nanoTime();
            assertNull(h.task.poll(), "the next tick is ten minutes away");
            assertTrue(System.nanoTime() - started < 1_000_000_000L, "poll() came back within a second");
        } finally {
            long started = System.nanoTime();
            h.close();
            assertTrue(System.nanoTime() - started < 1_000_000_000L, "stop() came back within a second");
        }
        assertNull(h.task.poll(), "a stopped task hands out nothing");
    }

    @Test
    void withoutTransactionsBuffersAreCleanedAfterTheOffsetsAreCommitted() throws Exception {
        String url = setUp("atleastonce");
        String buffer = "pgtrickle_changes." + one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources");
        try (TaskHarness h = new TaskHarness(url, Map.of(), null, false)) {
            exec(url, "INSERT INTO orders VALUES (1, 'a')");
            TaskHarness.Tick t1 = h.tickWhere(t -> !t.allRows().isEmpty());
            for (var r : t1.records) {
                h.task.commitRecord(r, null);
            }
            h.task.commit();
            h.nextTick();
            assertEquals("1", one(url, "SELECT count(*) FROM " + buffer), "the first offset commit may predate the tick");
            h.task.commit();
            h.nextTick();
            assertEquals("0", one(url, "SELECT count(*) FROM " + buffer));
            assertTrue(h.commitRequests.isEmpty());
        }
    }
}
