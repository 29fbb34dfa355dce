package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parallel refresh functions on real PostgreSQL: the plan of execution units, resume of a suspended
 * stream table, and what worker_pool_status, parallel_job_status, get_refresh_history and health_check
 * report from heartbeats and history rows written the way the sink and the streams app write them.
 */
class ParallelRefreshSqlTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("parallel");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE t1 (id int PRIMARY KEY, v int)", "CREATE TABLE t2 (id int PRIMARY KEY, v int)",
             "CREATE TABLE t3 (id int PRIMARY KEY, v int)");
    }

    @Test
    void independentChainedAndDiamondStreamTablesBecomeUnitsInDependencyOrder() throws SQLException {
        exec("CREATE SCHEMA plan",
             "SELECT pgtrickle.create_stream_table('plan.a', 'SELECT id, v FROM t1')",
             "SELECT pgtrickle.create_stream_table('plan.b', 'SELECT id, v FROM t2')",
             // chain: c reads a
             "SELECT pgtrickle.create_stream_table('plan.c', 'SELECT id, v * 2 AS w FROM plan.a')",
             // diamond: d1 and d2 both read t3, apex reads both
             "SELECT pgtrickle.create_stream_table('plan.d1', 'SELECT id, v FROM t3 WHERE v > 0')",
             "SELECT pgtrickle.create_stream_table('plan.d2', 'SELECT id, v FROM t3 WHERE v < 10')",
             "SELECT pgtrickle.create_stream_table('plan.apex', "
                     + "'SELECT x.id, x.v + y.v AS s FROM plan.d1 x JOIN plan.d2 y USING (id)')",
             // downstream of the group
             "SELECT pgtrickle.create_stream_table('plan.tail', 'SELECT id FROM plan.apex')");
        List<List<String>> plan = rows("SELECT level, unit_key, unit_kind, members::text, waits_for::text "
                + "FROM pgtrickle.parallel_plan() WHERE unit_key LIKE '%plan.%'");
        assertEquals(List.of(
                List.of("0", "group(plan.d1, plan.d2, plan.apex)", "ATOMIC_GROUP", "{plan.d1,plan.d2,plan.apex}", "{}"),
                List.of("0", "plan.a", "SINGLETON", "{plan.a}", "{}"),
                List.of("0", "plan.b", "SINGLETON", "{plan.b}", "{}"),
                List.of("1", "plan.c", "SINGLETON", "{plan.c}", "{plan.a}"),
                List.of("1", "plan.tail", "SINGLETON", "{plan.tail}", "{\"group(plan.d1, plan.d2, plan.apex)\"}")),
                plan);
        assertEquals("3", one("SELECT cardinality(member_ids) FROM pgtrickle.parallel_plan() WHERE unit_key LIKE 'group(plan.%'"));
    }

    @Test
    void aStreamTableReadingATableDirectlyAndThroughAnotherIsADiamond() throws SQLException {
        exec("CREATE SCHEMA dia",
             "CREATE TABLE dia.src (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('dia.mid', 'SELECT id, v FROM dia.src WHERE v > 1')",
             "SELECT pgtrickle.create_stream_table('dia.top', "
                     + "'SELECT s.id FROM dia.src s JOIN dia.mid m USING (id)')");
        assertEquals(List.of(List.of("0", "ATOMIC_GROUP", "{dia.mid,dia.top}")), rows(
                "SELECT level, unit_kind, members::text FROM pgtrickle.parallel_plan() WHERE members[1] LIKE 'dia.%'"));
    }

    @Test
    void resumeFillsASuspendedStreamTableAnewAndRefusesOthers() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('resumed', 'SELECT id FROM t1')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED', consecutive_failures = 3, engine_ready = true, "
                     + "needs_init = false, last_error = 'boom' WHERE pgt_name = 'resumed'");
        exec("SELECT pgtrickle.resume_stream_table('resumed')");
        assertEquals(List.of(List.of("INITIALIZING", "0", "t", "f")), rows("SELECT status, consecutive_failures, needs_init, "
                + "engine_ready FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'resumed'"));
        SQLException e = assertThrows(SQLException.class, () -> exec("SELECT pgtrickle.resume_stream_table('resumed')"));
        assertTrue(e.getMessage().contains("is not suspended (status INITIALIZING)"), e.getMessage());
        e = assertThrows(SQLException.class, () -> exec("SELECT pgtrickle.resume_stream_table('nope')"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void workerPoolAndJobsComeFromHeartbeatsAndHistory() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('jobs_st', 'SELECT id FROM t2')",
             "SELECT pgtrickle._heartbeat('sink', 'trickle-sink-0', 'on', 4, 2, 2, 1, "
                     + "'[{\"unit_key\":\"public.jobs_st\",\"unit_kind\":\"SINGLETON\",\"members\":[\"public.jobs_st\"],"
                     + "\"status\":\"RUNNING\",\"tick\":7,\"enqueued_at\":\"2026-01-01T00:00:00Z\","
                     + "\"started_at\":\"2026-01-01T00:00:01Z\"}]')",
             "SELECT pgtrickle._heartbeat('streams', 'host-1', 'on', 4, 4, 3, 0, NULL)",
             "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, tick_id, initial, rows_inserted, rows_deleted, duration_ms, "
                     + "unit_key, unit_kind, worker) SELECT pgt_id, 5, true, 10, 0, 12.5, 'public.jobs_st', 'SINGLETON', "
                     + "'trickle-sink-0' FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'jobs_st'",
             "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, tick_id, rows_inserted, rows_deleted, duration_ms, status, "
                     + "error_message, attempt) SELECT pgt_id, 6, 0, 0, 1, 'FAILED', 'injected', 2 "
                     + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'jobs_st'");
        assertEquals(List.of(List.of("3", "4", "4", "on", "streams", "1", "0", "t"), List.of("2", "4", "2", "on", "sink", "1", "1", "t")),
                rows("SELECT active_workers, max_workers, per_db_cap, parallel_mode, component, instances, queued_units, alive "
                        + "FROM pgtrickle.worker_pool_status()"));
        assertEquals(List.of(List.of("RUNNING", "7", "trickle-sink-0"), List.of("FAILED", "6", "null"),
                List.of("COMPLETED", "5", "trickle-sink-0")), rows("SELECT status, tick_id, coalesce(worker, 'null') "
                + "FROM pgtrickle.parallel_job_status() WHERE unit_key = 'public.jobs_st'"));
        assertEquals(List.of(List.of("6", "DIFFERENTIAL", "FAILED", "2", "injected"), List.of("5", "INITIALIZE", "COMPLETED", "1", "-")),
                rows("SELECT tick_id, action, status, attempt, coalesce(error_message, '-') "
                        + "FROM pgtrickle.get_refresh_history('jobs_st')"));
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.get_refresh_history('jobs_st', 1)"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.parallel_job_status(0) WHERE status <> 'RUNNING'"));
    }

    @Test
    void healthCheckNamesWhatIsWrong() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('health_st', 'SELECT id FROM t3')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED', last_error = 'three failures' "
                     + "WHERE pgt_name = 'health_st'",
             "SELECT pgtrickle._heartbeat('sink', 'saturated', 'on', 2, 2, 2, 30, NULL)",
             "SELECT pgtrickle._heartbeat('streams', 'host-1', 'on', 4, 4, 3, 0, NULL)",
             "UPDATE pgtrickle.pgt_workers SET heartbeat_at = now() - interval '5 minutes' WHERE component = 'streams'");
        List<List<String>> checks = rows("SELECT check_name, severity, detail FROM pgtrickle.health_check()");
        List<String> names = checks.stream().map(r -> r.get(0)).toList();
        assertEquals(List.of("error_stream_tables", "stale_stream_tables", "ticker", "streams_heartbeat", "sink_heartbeat",
                "worker_pool", "job_queue", "buffer_growth", "capture_triggers", "wal_slot", "wal_slot_lag",
                "wal_slot_retention"), names);
        assertTrue(checks.get(0).get(1).equals("ERROR") && checks.get(0).get(2).contains("public.health_st (SUSPENDED): "
                + "three failures") && checks.get(0).get(2).contains("resume_stream_table"), checks.get(0).toString());
        assertEquals("ERROR", checks.get(2).get(1), "no tick while stream tables exist: " + checks.get(2));
        assertTrue(checks.get(3).get(1).equals("ERROR") && checks.get(3).get(2).contains("is it running"), checks.get(3).toString());
        assertEquals("OK", checks.get(4).get(1));
        assertTrue(checks.get(5).get(1).equals("WARN") && checks.get(5).get(2).contains("saturated"), checks.get(5).toString());
        assertEquals("WARN", checks.get(6).get(1), checks.get(6).toString());
        assertEquals("OK", checks.get(7).get(1));
        exec("DELETE FROM pgtrickle.pgt_workers WHERE worker_id = 'saturated'",
             "UPDATE pgtrickle.pgt_workers SET heartbeat_at = now() WHERE component = 'streams'");
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        List<List<String>> r = rows(sql);
        return r.isEmpty() ? null : r.get(0).get(0);
    }

    private static List<List<String>> rows(String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}
