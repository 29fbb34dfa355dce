package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * parallel.refresh.mode=on in the sink on real PostgreSQL: independent stream tables are applied at the same
 * time on their own connections; a stream table that keeps failing holds back no other one and is SUSPENDED
 * after three failures in a row, until resume_stream_table; a diamond's stream tables apply tick by tick
 * together; the task reports its worker pool from SQL.
 */
class ParallelApplyTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() throws SQLException {
        h = new SinkHarness("sink_parallel", Map.of(SinkConfig.PARALLEL_MODE, "on",
                SinkConfig.MAX_WORKERS, "4", SinkConfig.MAX_CONCURRENT, "3"));
        h.exec("CREATE TABLE src (id int PRIMARY KEY, v int)",
               // A meeting point: an insert into a stream table returns only once another sink connection has
               // arrived at an insert into another one while it waits (or fails after 20 s). Each arrival takes a
               // session-level advisory lock (class 42), which stays visible in pg_locks after its transaction.
               "CREATE FUNCTION rendezvous() RETURNS trigger LANGUAGE plpgsql AS $$ "
                       + "DECLARE deadline timestamptz := clock_timestamp() + interval '20 seconds'; BEGIN "
                       + "PERFORM pg_advisory_lock(42, hashtext(TG_TABLE_NAME)); "
                       + "LOOP "
                       + "  EXIT WHEN (SELECT count(DISTINCT objid) FROM pg_locks WHERE locktype = 'advisory' "
                       + "             AND classid = 42 AND granted) >= 2; "
                       + "  IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'no other stream table was applied meanwhile'; END IF; "
                       + "  PERFORM pg_sleep(0.01); "
                       + "END LOOP; RETURN NULL; END $$",
               "CREATE FUNCTION always_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       + "RAISE EXCEPTION 'injected failure applying %', TG_TABLE_NAME; END $$");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String topic(String name) {
        return TopicNames.delta("trickle", "public", name);
    }

    private static String status(long id) throws SQLException {
        return h.one("SELECT status || '/' || consecutive_failures FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
    }

    @Test
    void independentStreamTablesAreAppliedAtTheSameTime() throws SQLException {
        long a = h.createStreamTable("par_a", "SELECT id, v FROM src");
        long b = h.createStreamTable("par_b", "SELECT id, v FROM src");
        h.exec("CREATE TRIGGER meet BEFORE INSERT ON par_a FOR EACH STATEMENT EXECUTE FUNCTION rendezvous()",
               "CREATE TRIGGER meet BEFORE INSERT ON par_b FOR EACH STATEMENT EXECUTE FUNCTION rendezvous()");
        h.put(h.row(topic("par_a"), 0, 1, 1, "1", "10"), h.end(topic("par_a"), 1, a, true),
              h.row(topic("par_b"), 0, 1, 1, "2", "20"), h.end(topic("par_b"), 1, b, true));
        h.assertContent("par_a", "VALUES (1, 10)");
        h.assertContent("par_b", "VALUES (2, 20)");
        assertEquals("ACTIVE/0", status(a));
        assertEquals("ACTIVE/0", status(b));
        assertEquals("2", h.one("SELECT count(DISTINCT worker) FROM pgtrickle.pgt_refresh_history "
                + "WHERE pgt_id IN (" + a + ", " + b + ") AND status = 'COMPLETED'"), "two workers applied them");
        assertEquals(List.of(List.of("public.par_a", "SINGLETON", "INITIALIZE")), h.rows("SELECT j.unit_key, j.unit_kind, "
                + "r.action FROM pgtrickle.parallel_job_status() j JOIN pgtrickle.get_refresh_history('par_a') r "
                + "ON r.refresh_id = j.job_id"));
        h.exec("DROP TRIGGER meet ON par_a", "DROP TRIGGER meet ON par_b");
    }

    @Test
    void aFailingStreamTableHoldsBackNoOtherAndIsSuspendedAfterThreeFailuresUntilResumed() throws SQLException {
        long good = h.createStreamTable("good", "SELECT id FROM src");
        long bad = h.createStreamTable("bad", "SELECT id FROM src");
        String g = topic("good");
        String t = topic("bad");
        h.put(h.row(g, 0, 1, 1, "1"), h.end(g, 1, good, true), h.row(t, 0, 1, 1, "1"), h.end(t, 1, bad, true));
        h.exec("CREATE TRIGGER boom BEFORE INSERT ON bad FOR EACH ROW EXECUTE FUNCTION always_fail()");

        // tick 2 of bad fails; good goes on with ticks 2..4 while bad's tick 2 is tried again at each round
        h.put(h.row(g, 0, 2, 1, "2"), h.end(g, 2, good, false), h.row(t, 0, 2, 1, "2"), h.end(t, 2, bad, false));
        assertEquals("ACTIVE/1", status(bad));
        assertEquals(2, h.committable(t, 0), "bad's tick 2 is not applied: its records are not committable");
        h.put(h.row(g, 0, 3, 1, "3"), h.end(g, 3, good, false));
        assertEquals("ACTIVE/2", status(bad));
        h.put(h.row(g, 0, 4, 1, "4"), h.end(g, 4, good, false));
        assertEquals("SUSPENDED/3", status(bad));
        String error = h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + bad);
        assertTrue(error.contains("injected failure applying bad") && error.contains("resume_stream_table"), error);
        h.assertContent("good", "VALUES (1), (2), (3), (4)");
        h.assertContent("bad", "VALUES (1)");
        assertEquals("1", h.one("SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + bad));
        assertEquals(4, h.committable(t, 0), "the tick it gave up on counts as done");

        // while suspended its ticks are skipped (and committable); a resume fills it anew
        h.put(h.row(t, 0, 3, 1, "3"), h.end(t, 3, bad, false));
        h.assertContent("bad", "VALUES (1)");
        assertEquals(6, h.committable(t, 0));
        h.exec("DROP TRIGGER boom ON bad", "SELECT pgtrickle.resume_stream_table('bad')");
        assertEquals("INITIALIZING/0", status(bad));
        h.put(h.row(t, 0, 5, 1, "1"), h.row(t, 0, 5, 1, "2"), h.row(t, 0, 5, 1, "3"), h.end(t, 5, bad, true));
        h.assertContent("bad", "VALUES (1), (2), (3)");
        assertEquals("ACTIVE/0", status(bad));
        assertEquals("OK", h.one("SELECT severity FROM pgtrickle.health_check() WHERE check_name = 'error_stream_tables'"),
                "health_check no longer reports it");
    }

    @Test
    void aSuccessEndsARunOfFailures() throws SQLException {
        long id = h.createStreamTable("flaky_once", "SELECT id FROM src");
        String t = topic("flaky_once");
        h.put(h.row(t, 0, 1, 1, "1"), h.end(t, 1, id, true));
        h.exec("CREATE SEQUENCE flaky_seq",
               "CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       + "IF nextval('flaky_seq') = 1 THEN RAISE EXCEPTION 'only once'; END IF; RETURN NEW; END $$",
               "CREATE TRIGGER once BEFORE INSERT ON flaky_once FOR EACH ROW EXECUTE FUNCTION fail_once()");
        h.put(h.row(t, 0, 2, 1, "2"), h.end(t, 2, id, false));
        assertEquals("ACTIVE/1", status(id));
        h.put();
        assertEquals("ACTIVE/0", status(id));
        h.assertContent("flaky_once", "VALUES (1), (2)");
        assertEquals(List.of(List.of("2", "COMPLETED", "2"), List.of("2", "FAILED", "1")), h.rows("SELECT tick_id, "
                + "status, attempt FROM pgtrickle.get_refresh_history('flaky_once', 2)"));
    }

    @Test
    void aDiamondsStreamTablesApplyTickByTickTogether() throws SQLException {
        long d1 = h.createStreamTable("dia_1", "SELECT id, v FROM src WHERE v > 0");
        long d2 = h.createStreamTable("dia_2", "SELECT id, v FROM src WHERE v < 100");
        long apex = h.createStreamTable("dia_apex", "SELECT x.id, x.v FROM dia_1 x JOIN dia_2 y USING (id)");
        assertEquals("{public.dia_1,public.dia_2,public.dia_apex}", h.one("SELECT members::text "
                + "FROM pgtrickle.parallel_plan() WHERE unit_kind = 'ATOMIC_GROUP'"));
        String t1 = topic("dia_1");
        String t2 = topic("dia_2");
        String ta = topic("dia_apex");
        h.put(h.end(t1, 1, d1, true), h.end(t2, 1, d2, true), h.end(ta, 1, apex, true));
        // tick 2 of dia_2 is still being collected: nothing of tick 2 is applied, not even dia_1's
        h.put(h.row(t1, 0, 2, 1, "1", "5"), h.end(t1, 2, d1, false), h.row(t2, 0, 2, 1, "1", "5"),
              h.row(ta, 0, 2, 1, "1", "5"), h.end(ta, 2, apex, false));
        assertEquals(List.of(List.of("1"), List.of("1"), List.of("1")), h.rows("SELECT last_tick FROM "
                + "pgtrickle.pgt_stream_tables WHERE pgt_id IN (" + d1 + ", " + d2 + ", " + apex + ") ORDER BY pgt_id"));
        h.put(h.end(t2, 2, d2, false));
        h.assertContent("dia_apex", "SELECT x.id, x.v FROM dia_1 x JOIN dia_2 y USING (id)");
        assertEquals(List.of(List.of("public.dia_1"), List.of("public.dia_2"), List.of("public.dia_apex")),
                h.rows("SELECT format('%I.%I', s.pgt_schema, s.pgt_name) FROM pgtrickle.pgt_refresh_history r "
                        + "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE r.tick_id = 2 AND r.pgt_id IN ("
                        + d1 + ", " + d2 + ", " + apex + ") ORDER BY r.refresh_id"), "applied upstream first");
        assertEquals("ATOMIC_GROUP", h.one("SELECT DISTINCT unit_kind FROM pgtrickle.pgt_refresh_history "
                + "WHERE tick_id = 2 AND pgt_id = " + apex));
        String members = "(" + d1 + ", " + d2 + ", " + apex + ")";
        assertEquals("1", h.one("SELECT count(DISTINCT xmin::text) FROM pgtrickle.pgt_sink_progress WHERE pgt_id IN "
                + members), "the group's tick 2 was applied in one transaction");

        // a member that fails rolls back the whole group's tick, which is tried again with it
        h.exec("CREATE SEQUENCE dia_seq",
               "CREATE FUNCTION dia_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       + "IF nextval('dia_seq') = 1 THEN RAISE EXCEPTION 'apex fails once'; END IF; RETURN NEW; END $$",
               "CREATE TRIGGER once BEFORE INSERT ON dia_apex FOR EACH ROW EXECUTE FUNCTION dia_fail_once()");
        h.put(h.row(t1, 0, 3, 1, "2", "6"), h.end(t1, 3, d1, false), h.row(t2, 0, 3, 1, "2", "6"),
              h.end(t2, 3, d2, false), h.row(ta, 0, 3, 1, "2", "6"), h.end(ta, 3, apex, false));
        assertEquals(List.of(List.of("2", "0"), List.of("2", "0"), List.of("2", "1")), h.rows("SELECT last_tick, "
                + "consecutive_failures FROM pgtrickle.pgt_stream_tables WHERE pgt_id IN " + members + " ORDER BY pgt_id"));
        h.put();
        assertEquals(List.of(List.of("3", "0"), List.of("3", "0"), List.of("3", "0")), h.rows("SELECT last_tick, "
                + "consecutive_failures FROM pgtrickle.pgt_stream_tables WHERE pgt_id IN " + members + " ORDER BY pgt_id"));
        h.assertContent("dia_apex", "SELECT x.id, x.v FROM dia_1 x JOIN dia_2 y USING (id)");
        h.assertContent("dia_1", "VALUES (1, 5), (2, 6)");

        // ticks 4 and 5 waiting together: the group applies both in one transaction, every member ends at 5
        List<SinkRecord> both = new ArrayList<>();
        for (String[] m : new String[][] {{t1, String.valueOf(d1)}, {t2, String.valueOf(d2)}, {ta, String.valueOf(apex)}}) {
            long member = Long.parseLong(m[1]);
            both.addAll(List.of(h.row(m[0], 0, 4, 1, "3", "7"), h.end(m[0], 4, member, false),
                    h.row(m[0], 0, 5, -1, "3", "7"), h.row(m[0], 0, 5, 1, "4", "8"), h.end(m[0], 5, member, false)));
        }
        h.put(both);
        h.assertContent("dia_apex", "SELECT x.id, x.v FROM dia_1 x JOIN dia_2 y USING (id)");
        h.assertContent("dia_2", "VALUES (1, 5), (2, 6), (4, 8)");
        assertEquals(List.of(List.of("4", "5", "1", "0"), List.of("4", "5", "1", "0"), List.of("4", "5", "1", "0")),
                h.rows("SELECT first_tick_id, tick_id, rows_inserted, rows_deleted FROM pgtrickle.pgt_refresh_history "
                        + "WHERE tick_id = 5 AND pgt_id IN " + members + " ORDER BY pgt_id"));
        assertEquals("1", h.one("SELECT count(DISTINCT xmin::text) FROM pgtrickle.pgt_sink_progress WHERE pgt_id IN "
                + members), "the group's ticks 4 and 5 were applied in one transaction");
    }

    @Test
    void aGroupDoesNotRunAheadOfAMemberStillCollectingATick() throws SQLException {
        h.exec("CREATE TABLE gsrc (id int, v int)");
        long d1 = h.createStreamTable("grp_1", "SELECT id, v FROM gsrc WHERE v > 0");
        long d2 = h.createStreamTable("grp_2", "SELECT id, v FROM gsrc WHERE v < 100");
        long apex = h.createStreamTable("grp_apex", "SELECT x.id, x.v FROM grp_1 x JOIN grp_2 y USING (id)");
        String t1 = topic("grp_1");
        String t2 = topic("grp_2");
        String ta = topic("grp_apex");
        h.put(h.end(t1, 1, d1, true), h.end(t2, 1, d2, true), h.end(ta, 1, apex, true));
        // grp_1 and the apex have ticks 2 and 3 complete; grp_2 ended tick 2 but is still collecting tick 3
        h.put(h.row(t1, 0, 2, 1, "1", "5"), h.end(t1, 2, d1, false), h.row(t1, 0, 3, 1, "2", "6"), h.end(t1, 3, d1, false),
              h.row(t2, 0, 2, 1, "1", "5"), h.end(t2, 2, d2, false), h.row(t2, 0, 3, 1, "2", "6"),
              h.row(ta, 0, 2, 1, "1", "5"), h.end(ta, 2, apex, false), h.row(ta, 0, 3, 1, "2", "6"), h.end(ta, 3, apex, false));
        String members = "(" + d1 + ", " + d2 + ", " + apex + ")";
        assertEquals(List.of(List.of("2"), List.of("2"), List.of("2")), h.rows("SELECT last_tick FROM "
                + "pgtrickle.pgt_stream_tables WHERE pgt_id IN " + members + " ORDER BY pgt_id"), "all at tick 2, none at 3");
        h.put(h.end(t2, 3, d2, false));
        assertEquals(List.of(List.of("3"), List.of("3"), List.of("3")), h.rows("SELECT last_tick FROM "
                + "pgtrickle.pgt_stream_tables WHERE pgt_id IN " + members + " ORDER BY pgt_id"));
        h.assertContent("grp_apex", "SELECT x.id, x.v FROM grp_1 x JOIN grp_2 y USING (id)");
    }

    @Test
    void theTaskReportsItsWorkerPool() throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (h.one("SELECT 1 FROM pgtrickle.worker_pool_status() WHERE component = 'sink' AND alive") == null) {
            assertTrue(System.nanoTime() < until, "no heartbeat from the sink task within 10 s");
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // poll interval, not a fixed wait
        }
        assertEquals(List.of(List.of("4", "3", "on", "1")), h.rows("SELECT max_workers, per_db_cap, parallel_mode, "
                + "instances FROM pgtrickle.worker_pool_status() WHERE component = 'sink'"));
        assertEquals("OK", h.one("SELECT severity FROM pgtrickle.health_check() WHERE check_name = 'sink_heartbeat'"));
    }
}
