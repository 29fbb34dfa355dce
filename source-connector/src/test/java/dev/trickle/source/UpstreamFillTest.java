package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * A stream table over another one: the upstream's topic gets an end marker every tick and nothing else
 * (no capture on its storage table) until a fill of its dependent, which waits for the upstream to be
 * ACTIVE with its fill applied and past the engine's ready tick, then reads the storage table at the
 * tick's snapshot with an Init naming the upstream tick it shows.
 */
class UpstreamFillTest {
    private static final String UP = TopicNames.changes("trickle", "public", "up");

    @Test
    void aDownstreamIsFilledFromItsUpstreamsStorageWithTheTickItShows() throws Exception {
        String url = TaskHarness.database("upstream");
        exec(url, "CREATE TABLE base (id int PRIMARY KEY, v int)", "INSERT INTO base VALUES (1, 10), (2, 20)",
                "SELECT pgtrickle.create_stream_table('up', 'SELECT id, v FROM base')",
                "SELECT pgtrickle.create_stream_table('down', 'SELECT id FROM up WHERE v > 15')",
                // the upstream as its sink would leave it: filled at tick 1, applied up to tick 1
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true WHERE pgt_name = 'up'");
        long down = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'down'"));
        long up = Long.parseLong(one(url, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'up'"));
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick first = h.nextTick();
            assertEquals(List.of(0, 1, 2), endPartitions(first), "an end marker on every partition of the upstream's topic");
            exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true, ready_tick = 3 WHERE pgt_name = 'down'",
                    "SET pgtrickle.sink_apply = 'on'", // writes as the sink would (the DML guard lets it)
                    "INSERT INTO up VALUES (1, 10), (2, 20)",
                    "INSERT INTO pgtrickle.pgt_sink_progress VALUES (" + up + ", 2)",
                    "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE' WHERE pgt_name = 'up'");
            assertTrue(h.nextTick().recordsOf(ChangeRecord.Init.class).isEmpty(), "the upstream's sink is before the ready tick");
            exec(url, "UPDATE pgtrickle.pgt_sink_progress SET last_tick = 3", "SET pgtrickle.sink_apply = 'on'",
                    "UPDATE up SET v = 30 WHERE id = 1");
            TaskHarness.Tick fill = h.nextTick();
            List<SourceRecord> inits = fill.recordsOf(ChangeRecord.Init.class).stream().filter(r -> r.topic().equals(UP)).toList();
            assertEquals(3, inits.size(), "an Init on every partition of the upstream's topic");
            ChangeRecord.Init init = (ChangeRecord.Init) TaskHarness.change(inits.get(0));
            assertEquals(down, init.streamTable());
            assertEquals(3L, init.upstreamTick(), "the upstream tick its storage table shows");
            assertEquals(2, fill.rows(UP, down).size());
            assertTrue(fill.rows(UP, down).contains("+{id=1, v=30}"), fill.rows(UP, down).toString());
            assertTrue(fill.changes(UP).isEmpty(), "no capture on the storage table");
            assertEquals("0", one(url, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'up'::regclass AND tgname LIKE 'pgt\\_cdc\\_%'"));
        }
    }

    private static List<Integer> endPartitions(TaskHarness.Tick t) {
        return t.recordsOf(ChangeRecord.End.class).stream().filter(r -> r.topic().equals(UP))
                .map(SourceRecord::kafkaPartition).sorted().toList();
    }
}
