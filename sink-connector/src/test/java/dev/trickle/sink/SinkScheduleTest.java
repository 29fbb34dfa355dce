package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stream table on a schedule, with a fake clock: the sink holds its ticks (and their offsets) until its
 * moment, then applies all of them in one transaction; a restart while holding loses nothing and applies
 * nothing twice; a suspension holds everything and resuming catches up exactly, without a refill.
 */
class SinkScheduleTest {
    private static SinkHarness h;
    private static final AtomicLong NOW = new AtomicLong();

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_schedule");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    /** A new task with the fake clock, as after a restart of the worker (it reads the schedules on its first put). */
    private static void restart() {
        h.task.stop();
        h.task = new TrickleSinkTask(NOW::get);
        h.task.initialize(h.context);
        h.task.start(h.config());
    }

    private static long tickTime(long tick) {
        return SinkHarness.TICK_MILLIS + tick * 1000;
    }

    private static List<List<String>> history(long id) throws SQLException {
        return h.rows("SELECT first_tick_id, tick_id, initial FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id
                + " ORDER BY refresh_id");
    }

    private static String lastTick(long id) throws SQLException {
        return h.one("SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
    }

    @Test
    void aDurationHoldsTicksUntilTheDataIsThatOldThenAppliesThemInOneTransaction() throws SQLException {
        h.exec("CREATE TABLE every_min_src (v text)");
        long id = h.createStreamTable("every_min", "SELECT v FROM every_min_src");
        h.exec("SELECT pgtrickle.alter_stream_table('every_min', schedule => '1m')");
        String t = TopicNames.delta("trickle", "public", "every_min");
        NOW.set(tickTime(1));
        restart();

        h.put(h.row(t, 0, 1, 1, "a"), h.row(t, 0, 1, 1, "b"), h.end(t, 1, id, true));
        h.assertContent("every_min", "VALUES ('a'), ('b')"); // a fill is applied at once
        NOW.set(tickTime(3));
        h.put(h.row(t, 0, 2, 1, "c"), h.end(t, 2, id, false), h.row(t, 0, 3, -1, "a"), h.end(t, 3, id, false));
        NOW.set(tickTime(1) + 59_999);
        h.put(h.end(t, 4, id, false));
        h.assertContent("every_min", "VALUES ('a'), ('b')");
        assertEquals("1", lastTick(id));
        assertEquals(3, h.committable(t, 0), "held ticks are not committed as consumed");

        NOW.set(tickTime(1) + 60_000);
        h.put(List.of());
        h.assertContent("every_min", "VALUES ('b'), ('c')");
        assertEquals(List.of(List.of("1", "1", "t"), List.of("2", "4", "f")), history(id), "ticks 2..4 in one transaction");
        assertEquals(8, h.committable(t, 0));

        // restart while holding ticks 5 and 6: Connect delivers them again from the committed offset
        List<SinkRecord> held = List.of(h.row(t, 0, 5, 1, "d"), h.end(t, 5, id, false), h.end(t, 6, id, false));
        NOW.set(tickTime(6));
        h.put(held);
        assertEquals("4", lastTick(id));
        restart();
        h.put(held);
        assertEquals("4", lastTick(id), "the schedule counts from the catalog's data time after a restart too");
        NOW.set(tickTime(4) + 60_000);
        h.put(List.of());
        h.assertContent("every_min", "VALUES ('b'), ('c'), ('d')");
        assertEquals(List.of("5", "6", "f"), history(id).get(2));
        assertEquals(3, history(id).size());
    }

    @Test
    void aSuspendedStreamTableHoldsEverythingAndResumeCatchesUpExactly() throws SQLException {
        h.exec("CREATE TABLE paused_src (v text)");
        long id = h.createStreamTable("susp", "SELECT v FROM paused_src");
        String t = TopicNames.delta("trickle", "public", "susp");
        NOW.set(tickTime(1));
        restart();
        h.put(h.row(t, 0, 1, 1, "a"), h.end(t, 1, id, true), h.row(t, 0, 2, 1, "b"), h.end(t, 2, id, false));
        h.assertContent("susp", "VALUES ('a'), ('b')"); // 'calculated' with no reader: every tick

        h.exec("SELECT pgtrickle.alter_stream_table('susp', status => 'SUSPENDED')");
        restart();
        List<SinkRecord> held = List.of(h.row(t, 0, 3, -1, "a"), h.row(t, 0, 3, 1, "c"), h.end(t, 3, id, false),
                h.row(t, 0, 4, 1, "d"), h.end(t, 4, id, false));
        NOW.set(tickTime(100));
        h.put(held);
        h.assertContent("susp", "VALUES ('a'), ('b')");
        assertEquals("SUSPENDED", h.one("SELECT status FROM pgtrickle.pgt_status() WHERE name = 'public.susp'"));
        assertEquals(4, h.committable(t, 0));

        h.exec("SELECT pgtrickle.alter_stream_table('susp', status => 'ACTIVE')");
        restart();
        h.put(held);
        h.assertContent("susp", "VALUES ('b'), ('c'), ('d')");
        assertEquals(List.of(List.of("1", "2", "t"), List.of("3", "4", "f")), history(id), "no refill: the held ticks");
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_status() WHERE name = 'public.susp'"));
    }

    @Test
    void cronIsDueWhenAMomentPassedSinceTheLastApply() {
        AtomicLong now = new AtomicLong(10_000);
        ApplySchedule s = new ApplySchedule(now::get);
        long moment = 9_000;
        s.offer(Map.of(1L, new ApplySchedule.Rule(ApplySchedule.Kind.CRON, 0, moment, 5_000, 8_000, false)));
        assertTrue(s.due(1, false), "a moment (9 s) after the last apply (8 s)");
        s.applied(1, 9_500);
        assertFalse(s.due(1, false), "served at 10 s: the 9 s moment is done");
        s.offer(Map.of(1L, new ApplySchedule.Rule(ApplySchedule.Kind.CRON, 0, 12_000, 9_500, 10_000, false)));
        now.set(12_500);
        assertTrue(s.due(1, false));
        assertTrue(s.scheduled(1));

        s.offer(Map.of(1L, new ApplySchedule.Rule(ApplySchedule.Kind.CRON, 0, 12_000, 9_500, 10_000, true)));
        assertFalse(s.due(1, true), "held: not even a fill");
        assertTrue(s.held(1));
        s.offer(Map.of(1L, new ApplySchedule.Rule(ApplySchedule.Kind.DURATION, 5_000, 0, 9_500, 10_000, false)));
        assertTrue(s.due(1, true), "a fill goes at once");
        now.set(14_499);
        assertFalse(s.due(1, false));
        now.set(14_500);
        assertTrue(s.due(1, false));
        s.offer(Map.of(1L, ApplySchedule.Rule.everyTick()));
        assertTrue(s.due(1, false));
        assertFalse(s.scheduled(1));
        assertTrue(s.due(2, false), "a stream table the catalog does not list (yet): every tick");
    }
}
