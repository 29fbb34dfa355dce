package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.records.DeltaRecord;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When ticks are applied: complete ticks only, in order, once; and which offsets may be committed. */
class SinkDeliveryTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_delivery");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** A stream table over a one-column table; returns its id. */
    private static long streamTable(String name) throws SQLException {
        return streamTable(name + "_src", name);
    }

    private static long streamTable(String source, String name) throws SQLException {
        h.exec("CREATE TABLE " + source + " (v int)");
        return h.createStreamTable(name, "SELECT v FROM " + source);
    }

    private static String topic(String name) {
        return "trickle.delta.public." + name;
    }

    private static String lastTick(long id) throws SQLException {
        return h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id);
    }

    @Test
    void anIncompleteTickIsNotApplied() throws SQLException {
        long id = streamTable("split");
        String t = topic("split");
        // 2 partitions, 2 producers: producer 1 has not ended tick 1 on partition 1 yet
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 0, 1, id, 0, 2, 2, true), h.end(t, 0, 1, id, 1, 2, 2, true),
                h.row(t, 1, 1, 1, "2"), h.end(t, 1, 1, id, 0, 2, 2, true));
        assertEquals("0", h.one("SELECT count(*) FROM split"));
        assertEquals(0, h.committable(t, 0));
        assertEquals(0, h.committable(t, 1));
        h.put(h.end(t, 1, 1, id, 1, 2, 2, true));
        h.assertContent("split", "VALUES (1), (2)");
        assertEquals(3, h.committable(t, 0));
        assertEquals(3, h.committable(t, 1));

        // tick 2: partition 1 has no end marker at all yet
        h.put(h.row(t, 0, 2, 1, "3"), h.end(t, 0, 2, id, 0, 2, 2, false), h.end(t, 0, 2, id, 1, 2, 2, false),
                h.row(t, 1, 2, -1, "2"));
        h.assertContent("split", "VALUES (1), (2)");
        assertEquals(3, h.committable(t, 0));
        assertEquals(3, h.committable(t, 1));
        h.put(h.end(t, 1, 2, id, 1, 2, 2, false), h.end(t, 1, 2, id, 0, 2, 2, false));
        h.assertContent("split", "VALUES (1), (3)");
        assertEquals(6, h.committable(t, 0));
        assertEquals(6, h.committable(t, 1));
        assertEquals("2", lastTick(id));
    }

    @Test
    void ticksInterleavedAcrossProducersApplyInOrder() throws SQLException {
        long id = streamTable("mixed");
        String t = topic("mixed");
        // producer 0 is already at tick 2 (which deletes what tick 1 inserts) before producer 1 ends tick 1
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 0, 1, id, 0, 2, 1, true), h.row(t, 0, 2, -1, "1"),
                h.row(t, 0, 1, 1, "5"), h.end(t, 0, 1, id, 1, 2, 1, true));
        h.assertContent("mixed", "VALUES (1), (5)");
        assertEquals(2, h.committable(t, 0), "the first record of tick 2 is not applied yet");
        h.put(h.end(t, 0, 2, id, 0, 2, 1, false), h.row(t, 0, 2, 1, "7"), h.end(t, 0, 2, id, 1, 2, 1, false));
        h.assertContent("mixed", "VALUES (5), (7)");
        assertEquals(8, h.committable(t, 0));
        assertEquals(List.of(List.of("1"), List.of("2")), h.rows("SELECT tick_id FROM pgtrickle.pgt_refresh_history "
                + "WHERE pgt_id = " + id + " ORDER BY refresh_id"));
    }

    @Test
    void redeliveredTicksChangeNothing() throws SQLException {
        long id = streamTable("again");
        String t = topic("again");
        List<SinkRecord> tick1 = List.of(h.row(t, 0, 1, 2, "1"), h.end(t, 0, 1, id, 0, 2, 1, true),
                h.end(t, 0, 1, id, 1, 2, 1, true));
        h.put(tick1);
        h.put(tick1); // the same batch again, as after a RetriableException
        h.assertContent("again", "VALUES (1), (1)");

        // restart before the offsets were committed: the new task gets tick 1 again, then tick 2
        h.task.stop();
        h.task = h.newTask();
        h.put(tick1);
        List<SinkRecord> tick2 = List.of(h.row(t, 0, 2, -1, "1"), h.end(t, 0, 2, id, 0, 2, 1, false),
                h.end(t, 0, 2, id, 1, 2, 1, false));
        h.put(tick2);
        h.assertContent("again", "VALUES (1)");

        // restart after a commit in the middle of tick 2: only its tail is delivered again, with tick 3
        h.task.stop();
        h.task = h.newTask();
        h.put(tick2.get(2), h.row(t, 0, 3, 1, "3"), h.end(t, 0, 3, id, 0, 2, 1, false),
                h.end(t, 0, 3, id, 1, 2, 1, false));
        h.assertContent("again", "VALUES (1), (3)");
        assertEquals("3", lastTick(id));
        assertEquals(List.of(List.of("1"), List.of("2"), List.of("3")), h.rows("SELECT tick_id "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " ORDER BY refresh_id"));
    }

    @Test
    void committedOffsetsNeverPassAnUnappliedRecord() throws SQLException {
        long id = streamTable("offs");
        String t = topic("offs");
        h.put(h.row(t, 0, 1, 1, "1"), h.row(t, 0, 1, 1, "2"), h.end(t, 1, id, true), h.row(t, 0, 2, 1, "3"));
        assertEquals(3, h.committable(t, 0));
        h.put(h.row(t, 0, 2, 1, "4"));
        assertEquals(3, h.committable(t, 0));
        h.put(h.end(t, 2, id, false));
        assertEquals(6, h.committable(t, 0));
        h.assertContent("offs", "VALUES (1), (2), (3), (4)");
    }

    @Test
    void aDroppedStreamTableDiscardsItsTicks() throws SQLException {
        long id = streamTable("gone");
        String t = topic("gone");
        h.exec("SELECT pgtrickle.drop_stream_table('gone')");
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 1, id, true));
        // its topic is deleted soon: a commit for it would be retried against a missing partition (and a
        // redelivered record of a dropped stream table is discarded again)
        assertEquals(-1, h.committable(t, 0), "no offsets for the topic of a dropped stream table");
        assertEquals("0", h.one("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id));
        // dropped and created again under the same name: the topic is the new stream table's, its offsets count
        long again = streamTable("gone_src2", "gone");
        h.put(h.row(t, 0, 2, 1, "2"), h.end(t, 2, again, true));
        h.assertContent("gone", "VALUES (2)");
        assertEquals(4, h.committable(t, 0));
    }

    @Test
    void aStreamTableGoneFromTheCatalogBetweenTwoLooksCountsAsDropped() throws SQLException {
        DroppedStreamTables dropped = new DroppedStreamTables();
        long before = streamTable("looked_at");
        try (var c = h.connect()) {
            dropped.look(c);
            long created = streamTable("created_later");
            h.exec("SELECT pgtrickle.drop_stream_table('looked_at')");
            dropped.look(c);
            assertTrue(dropped.contains(before));
            assertFalse(dropped.contains(created), "a stream table created after the last look is not dropped");
        }
    }

    private static List<String> statusOf(long id) throws SQLException {
        return h.rows("SELECT status, last_error, last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id)
                .get(0);
    }

    @Test
    void aMalformedRecordStopsOnlyItsOwnStreamTable() throws SQLException {
        long id = streamTable("bad");
        long okId = streamTable("fine");
        String t = topic("bad");
        String ok = topic("fine");
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 1, id, true), h.row(ok, 0, 1, 1, "1"), h.end(ok, 1, okId, true));
        // tick 2 of bad has a record that cannot be read: applied without it, bad could silently lack a row
        h.put(h.row(t, 0, 2, 1, "2"), h.record(t, 0, "this is not a delta"), h.row(ok, 0, 2, 1, "2"));
        h.put(h.end(t, 2, id, false), h.end(ok, 2, okId, false));
        List<String> st = statusOf(id);
        assertEquals("ERROR", st.get(0));
        assertTrue(st.get(1).contains("tick 2 could not be applied: a record before its end is malformed (topic " + t
                + " partition 0 at offset 3: a delta record is a Struct or map with fields kind and tick (a Trickle envelope), not a "
                + "String"), st.get(1));
        assertTrue(st.get(1).contains("run SELECT pgtrickle.refresh_stream_table('\"public\".\"bad\"')"), st.get(1));
        assertEquals("1", st.get(2), "bad stays at its last complete tick");
        h.assertContent("bad", "VALUES (1)");
        // the other stream table goes on, and so does bad's topic: later ticks wait for the new fill
        h.assertContent("fine", "VALUES (1), (2)");
        h.put(h.row(t, 0, 3, 1, "3"), h.end(t, 3, id, false), h.row(ok, 0, 3, 1, "3"), h.end(ok, 3, okId, false));
        h.assertContent("fine", "VALUES (1), (2), (3)");
        h.assertContent("bad", "VALUES (1)");
        assertEquals(7, h.committable(t, 0), "the bad record and the ticks around it are done with");
        h.exec("SELECT pgtrickle.refresh_stream_table('bad')");
        h.put(h.row(t, 0, 4, 1, "1"), h.row(t, 0, 4, 1, "2"), h.row(t, 0, 4, 1, "4"), h.end(t, 4, id, true));
        h.assertContent("bad", "VALUES (1), (2), (4)");
        assertEquals(java.util.Arrays.asList("ACTIVE", null, "4"), statusOf(id));
        assertEquals("ACTIVE", statusOf(okId).get(0));
    }

    @Test
    void withErrorsToleranceAllABadRecordAlsoGoesToConnectsErrorReporter() throws SQLException {
        long id = streamTable("dlq");
        String t = topic("dlq");
        h.task.stop();
        h.context.withReporter = true;
        Map<String, String> config = h.config();
        config.put("errors.tolerance", "all");
        h.task = new TrickleSinkTask();
        h.task.initialize(h.context);
        h.task.start(config);
        try {
            SinkRecord one = h.row(t, 0, 1, 1, "1");
            // a row of weight 0, which the streams app never writes
            SinkRecord zero = h.record(t, 0, SinkHarness.struct(t, new DeltaRecord.Row(1, 1, List.of("9"))).put("weight", 0L));
            SinkRecord bytes = h.record(t, 0, SinkHarness.struct(t, new DeltaRecord.End(1, id, 0, 1, 1, 0, true)));
            h.put(one, zero, bytes);
            assertEquals(List.of(zero), h.context.reported);
            assertTrue(h.context.reportedErrors.get(0).getMessage().contains("weight 0"),
                    h.context.reportedErrors.get(0).getMessage());
            assertEquals("ERROR", statusOf(id).get(0), "the tick is not applied without the record");
            assertEquals(3, h.committable(t, 0));
        } finally {
            h.context.withReporter = false;
            h.context.reported.clear();
            h.context.reportedErrors.clear();
            h.task.stop();
            h.task = h.newTask();
        }
    }

    @Test
    void aLostConnectionIsRetriedWithoutApplyingTwice() throws Exception {
        long id = streamTable("flaky");
        String t = topic("flaky");
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 1, id, true));
        h.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                + "WHERE application_name = 'trickle-sink' AND datname = current_database()");
        waitFor(Duration.ofSeconds(10), () -> "0".equals(h.one("SELECT count(*) FROM pg_stat_activity "
                + "WHERE application_name = 'trickle-sink' AND datname = current_database()")));
        List<SinkRecord> batch = List.of(h.row(t, 0, 2, 1, "2"), h.end(t, 2, id, false));
        assertThrows(RetriableException.class, () -> h.put(batch));
        assertEquals(0, h.context.timeout);
        assertEquals(2, h.committable(t, 0), "tick 2 is not applied: its records are not committable");
        h.put(batch); // Connect delivers the batch again; the task reconnects
        h.assertContent("flaky", "VALUES (1), (2)");
        assertEquals(4, h.committable(t, 0));
        assertEquals("2", lastTick(id));
    }

    @Test
    void anUnreachableDatabaseFailsTheTaskAfterTheRetries() {
        TrickleSinkTask task = new TrickleSinkTask();
        task.initialize(h.context);
        Map<String, String> config = h.config();
        config.put(SinkConfig.PG_URL, TrickleSinkConnectorTest.deadUrl());
        config.put(SinkConfig.APPLY_MAX_RETRIES, "2");
        task.start(config);
        String t = topic("nowhere");
        List<SinkRecord> tick = List.of(h.end(t, 1, 1, true));
        List<Class<?>> thrown = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            thrown.add(assertThrows(ConnectException.class, () -> task.put(tick)).getClass());
        }
        assertEquals(List.of(RetriableException.class, RetriableException.class, ConnectException.class), thrown);
        task.stop();
    }

    @Test
    void recordsDeliveredAgainBeforeTheBackoffPassedAreNotAnAttempt() throws Exception {
        TrickleSinkTask task = new TrickleSinkTask();
        task.initialize(h.context);
        Map<String, String> config = h.config();
        config.put(SinkConfig.PG_URL, TrickleSinkConnectorTest.deadUrl());
        config.put(SinkConfig.APPLY_MAX_RETRIES, "1");
        config.put(SinkConfig.APPLY_RETRY_BACKOFF_MS, "60000");
        task.start(config);
        List<SinkRecord> tick = List.of(h.end(topic("patient"), 1, 1, true));
        assertThrows(RetriableException.class, () -> task.put(tick));
        assertEquals(60_000, h.context.timeout);
        // Connect's poll returns at every offset commit (often each second) and delivers the records again
        for (int i = 0; i < 5; i++) {
            RetriableException early = assertThrows(RetriableException.class, () -> task.put(tick));
            assertTrue(early.getMessage().startsWith("waiting "), early.getMessage());
            assertTrue(h.context.timeout > 0 && h.context.timeout <= 60_000, "waits the rest: " + h.context.timeout);
        }
        task.stop();
    }

    @Test
    void losingPartitionsRewindsTheTopicsOtherPartitions() throws SQLException {
        long id = streamTable("moved");
        String t = topic("moved");
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 0, 1, id, 0, 1, 2, true), h.row(t, 1, 1, 1, "2"));
        h.task.close(List.of(new TopicPartition(t, 1)));
        assertEquals(Map.of(new TopicPartition(t, 0), 0L), h.context.rewinds);
        assertEquals(-1, h.committable(t, 1));
        h.context.rewinds.clear();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Duration deadline, Check check) throws Exception {
        long until = System.nanoTime() + deadline.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within " + deadline);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // poll interval, not a fixed wait
        }
    }
}
