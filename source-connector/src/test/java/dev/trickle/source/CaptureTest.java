package dev.trickle.source;

import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** What a tick carries: every committed change once, in the right tick, keyed and marked. */
class CaptureTest {
    private static final String ORDERS = TopicNames.changes("trickle", "public", "orders");
    private static final String BAG = TopicNames.changes("trickle", "public", "bag");

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "CREATE TABLE bag (a int, b text)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag')");
        return url;
    }

    @Test
    void updatesDeletesAndTruncateBecomeSignedRows() throws Exception {
        String url = setUp("signed");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            exec(url, "INSERT INTO orders VALUES (1, 'a'), (2, 'b')");
            assertEquals(List.of("+{id=1, note=a}", "+{id=2, note=b}"), h.nextTick().changes(ORDERS));

            exec(url, "UPDATE orders SET note = 'c' WHERE id = 1", "UPDATE orders SET id = 20 WHERE id = 2");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(List.of("-{id=1, note=a}", "+{id=1, note=c}", "-{id=2, note=b}", "+{id=20, note=b}"),
                    t.changes(ORDERS));
            // one key, one partition: the engine sees -old before +new
            List<SourceRecord> rows = t.recordsOf(ChangeRecord.Row.class);
            assertEquals(rows.get(0).kafkaPartition(), rows.get(1).kafkaPartition());
            assertEquals(List.of("1"), TaskHarness.keyTexts(rows.get(0)));

            exec(url, "DELETE FROM orders WHERE id = 1", "INSERT INTO orders VALUES (3, NULL)", "TRUNCATE orders");
            List<String> changes = h.nextTick().changes(ORDERS);
            assertEquals(List.of("-{id=1, note=c}", "+{id=3, note=null}"), changes.subList(0, 2));
            // TRUNCATE retracts every row it removed
            assertEquals(Set.of("-{id=20, note=b}", "-{id=3, note=null}"), Set.copyOf(changes.subList(2, 4)));
            assertEquals(4, changes.size());
        }
    }

    @Test
    void keylessTablesKeepMultiplicities() throws Exception {
        String url = setUp("keyless");
        try (TaskHarness h = new TaskHarness(url)) {
            exec(url, "INSERT INTO bag VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, 'y')");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(List.of("+{a=1, b=x}", "+{a=1, b=x}", "+{a=1, b=x}", "+{a=2, b=y}"), t.changes(BAG));
            // the whole row is the key when there is no primary key
            assertEquals(List.of("1", "x"), TaskHarness.keyTexts(t.recordsOf(ChangeRecord.Row.class).get(0)));
            exec(url, "DELETE FROM bag WHERE ctid IN (SELECT ctid FROM bag WHERE a = 1 LIMIT 2)");
            assertEquals(List.of("-{a=1, b=x}", "-{a=1, b=x}"), h.nextTick().changes(BAG));
        }
    }

    @Test
    void longTransactionsLandInTheTickAfterTheirCommitAndAbortedOnesNever() throws Exception {
        String url = setUp("longtx");
        try (TaskHarness h = new TaskHarness(url);
             Connection slow = EmbeddedPg.connect(url);
             Connection aborted = EmbeddedPg.connect(url)) {
            slow.setAutoCommit(false);
            aborted.setAutoCommit(false);
            try (Statement s = slow.createStatement(); Statement a = aborted.createStatement()) {
                s.execute("INSERT INTO orders VALUES (100, 'slow')");
                a.execute("INSERT INTO orders VALUES (200, 'aborted')");
                exec(url, "INSERT INTO orders VALUES (1, 'quick')");
                assertEquals(List.of("+{id=1, note=quick}"), h.nextTick().changes(ORDERS));
                for (int i = 0; i < 3; i++) {
                    exec(url, "INSERT INTO orders VALUES (" + (10 + i) + ", 'later')");
                    assertEquals(List.of("+{id=" + (10 + i) + ", note=later}"), h.nextTick().changes(ORDERS));
                }
                slow.commit();
                aborted.rollback();
            }
            assertEquals(List.of("+{id=100, note=slow}"), h.nextTick().changes(ORDERS));
            for (int i = 0; i < 2; i++) {
                assertEquals(List.of(), h.nextTick().changes(ORDERS));
            }
        }
    }

    @Test
    void endMarkersCloseEveryPartitionOfEveryTopicEachTick() throws Exception {
        String url = setUp("markers");
        try (TaskHarness h = new TaskHarness(url)) {
            long previous = 0;
            for (int i = 0; i < 3; i++) {
                if (i == 1) {
                    exec(url, "INSERT INTO orders VALUES (1, 'a')");
                }
                TaskHarness.Tick t = h.nextTick();
                assertEquals(previous + 1, t.tick, "ticks are numbered one after another");
                previous = t.tick;
                Set<String> seen = new HashSet<>();
                for (SourceRecord r : t.recordsOf(ChangeRecord.End.class)) {
                    ChangeRecord.End end = (ChangeRecord.End) TaskHarness.change(r);
                    assertEquals(3, end.partitions());
                    assertEquals(r.kafkaPartition(), end.partition());
                    assertTrue(seen.add(r.topic() + "/" + end.partition()));
                }
                assertEquals(Set.of(ORDERS + "/0", ORDERS + "/1", ORDERS + "/2", BAG + "/0", BAG + "/1", BAG + "/2"), seen);
                // the last record closes the tick: complete offset, and the Kafka transaction commits on it
                assertEquals(Map.of("tick", t.tick), t.last().sourceOffset());
                assertSame(t.last(), h.commitRequests.get(h.commitRequests.size() - 1));
                for (SourceRecord r : t.records.subList(0, t.records.size() - 1)) {
                    assertEquals(Map.of("tick", t.tick, "partial", true), r.sourceOffset());
                }
            }
            assertEquals(3, h.commitRequests.size());
            assertEquals(0, h.abortRequests);
            assertEquals("3", one(url, "SELECT max(tick_id) FROM pgtrickle.pgt_ticks"));
            assertEquals(Map.of("database", url.replace("password=postgres", "").replaceAll("[?&]$", "")),
                    h.commitRequests.get(0).sourcePartition());
        }
    }

    @Test
    void namesThatNeedQuotingAreReadAndTopicNamed() throws Exception {
        String url = TaskHarness.database("quoting");
        exec(url, "CREATE SCHEMA \"My Schema\"",
                "CREATE TABLE \"My Schema\".\"Odd \"\"Name\"\"\" (\"Mixed Case\" int PRIMARY KEY, \"it's\" text)",
                "SELECT pgtrickle.create_stream_table('odd', 'SELECT * FROM \"My Schema\".\"Odd \"\"Name\"\"\"')");
        String topic = TopicNames.changes("trickle", "My Schema", "Odd \"Name\"");
        try (TaskHarness h = new TaskHarness(url)) {
            exec(url, "INSERT INTO \"My Schema\".\"Odd \"\"Name\"\"\" VALUES (1, 'o''k')",
                    "UPDATE \"My Schema\".\"Odd \"\"Name\"\"\" SET \"it's\" = NULL");
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(topic).isEmpty());
            assertEquals(List.of("+{Mixed Case=1, it's=o'k}", "-{Mixed Case=1, it's=o'k}", "+{Mixed Case=1, it's=null}"),
                    t.changes(topic));
        }
    }

    /** Random concurrent writes: adding up every tick's signed rows gives exactly the final tables. */
    @Test
    void everyCommittedChangeArrivesExactlyOnce() throws Exception {
        String url = setUp("exactlyonce");
        List<TaskHarness.Tick> ticks = new ArrayList<>();
        Thread writer = new Thread(() -> RandomWriter.run(url, 150, 7));
        try (TaskHarness h = new TaskHarness(url)) {
            writer.start();
            while (writer.isAlive()) {
                ticks.add(h.nextTick());
            }
            writer.join();
            ticks.add(h.nextTick());
        }
        assertTrue(ticks.size() > 3, "the writes spread over several ticks");
        assertEquals(RandomWriter.table(url, "orders"), RandomWriter.sum(ticks, ORDERS));
        assertEquals(RandomWriter.table(url, "bag"), RandomWriter.sum(ticks, BAG));
        assertFalse(RandomWriter.table(url, "bag").isEmpty());
    }
}
