package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schedules (durations, cron, 'calculated'), alter_stream_table and pgt_status's modes on real PostgreSQL: what
 * a user types from psql, what is refused and how, and what the sink reads (pgtrickle._sink_schedules).
 */
class ScheduleSqlTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("schedules");
        CatalogInstaller.install(url, "postgres", "postgres");
        EmbeddedPg.exec(url, "CREATE TABLE items (id int PRIMARY KEY, n int)", "INSERT INTO items VALUES (1, 1)");
    }

    @Test
    void acceptsPgTrickleSchedulesAtCreateAndAlter() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('sch_default', 'SELECT id, n FROM items')");
        assertEquals("calculated", one("SELECT schedule FROM pgtrickle.pgt_status() WHERE name = 'public.sch_default'"));
        exec("SELECT pgtrickle.create_stream_table('sch_null', 'SELECT id FROM items', schedule => NULL)");
        assertEquals("calculated", one("SELECT schedule FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sch_null'"));
        String[][] ok = {
            {"30s", "duration 30"}, {"5m", "duration 300"}, {"1h30m", "duration 5400"}, {"1d", "duration 86400"},
            {"2w", "duration 1209600"}, {"1h 30m", "duration 5400"}, {"5 minutes", "duration 300"},
            {"calculated", "calculated "}, {"*/5 * * * *", "cron 0 */5 * * * *"},
            {"0 */10 * * * *", "cron 0 */10 * * * *"}, {"@hourly", "cron 0 0 * * * *"},
            {"0 6 * * MON-FRI", "cron 0 0 6 * * mon-fri"}, {"0 0 1 jan,jul ?", "cron 0 0 0 1 jan,jul ?"},
        };
        for (String[] c : ok) {
            exec("SELECT pgtrickle.alter_stream_table('sch_default', schedule => " + literal(c[0]) + ")");
            assertEquals(c[0], one("SELECT schedule FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sch_default'"));
            assertEquals(c[1], one("SELECT kind || ' ' || coalesce(seconds::bigint::text, cron, '') "
                    + "FROM pgtrickle._parse_schedule(" + literal(c[0]) + ")"), c[0]);
        }
        exec("SELECT pgtrickle.drop_stream_table('sch_default')", "SELECT pgtrickle.drop_stream_table('sch_null')");
    }

    @Test
    void refusesBadSchedulesWithWhatIsAccepted() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('sch_bad', 'SELECT id FROM items', schedule => '1m')");
        String[][] bad = {
            {"banana", "not a duration, a cron expression or 'calculated'"},
            {"0s", "below the minimum of 1 second"},
            {"500 milliseconds", "below the minimum of 1 second"},
            {"", "it is empty"},
            {"61 * * * *", "the minute field allows 0 to 59, not '61'"},
            {"* 24 * * *", "the hour field allows 0 to 23"},
            {"*/0 * * * *", "invalid step '0'"},
            {"* * * * * * *", "has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), not 7"},
            {"* * * foo *", "the month field has an invalid value 'foo'"},
            {"@fortnightly", "unknown cron alias"},
            {"0 0 30 2 *", "never fires"},
        };
        for (String[] c : bad) {
            SQLException e = assertThrows(SQLException.class,
                    () -> exec("SELECT pgtrickle.alter_stream_table('sch_bad', schedule => " + literal(c[0]) + ")"), c[0]);
            assertTrue(e.getMessage().contains("invalid schedule") && e.getMessage().contains(c[1]),
                    c[0] + ": " + e.getMessage());
            assertEquals("22023", e.getSQLState(), c[0]);
            SQLException atCreate = assertThrows(SQLException.class, () -> exec(
                    "SELECT pgtrickle.create_stream_table('sch_bad2', 'SELECT id FROM items', schedule => " + literal(c[0]) + ")"));
            assertTrue(atCreate.getMessage().contains(c[1]), atCreate.getMessage());
        }
        assertEquals("1m", one("SELECT schedule FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'sch_bad'"));
        assertEquals(null, one("SELECT to_regclass('public.sch_bad2')"));
        exec("SELECT pgtrickle.drop_stream_table('sch_bad')");
    }

    @Test
    void cronMomentsAreUtcAndFollowEveryField() throws SQLException {
        String[][] cases = {
            {"0 */5 * * * *", "2026-03-04 10:17:42", "2026-03-04 10:15:00"},
            {"0 0 6 * * 1-5", "2026-03-08 12:00:00", "2026-03-06 06:00:00"}, // Sunday: back to Friday
            {"30 59 23 31 12 *", "2026-01-01 00:00:10", "2025-12-31 23:59:30"},
            {"0 0 0 1 * *", "2026-03-01 00:00:00", "2026-03-01 00:00:00"}, // a moment is at or before
            {"0 0 0 13 * 5", "2026-03-10 00:00:00", "2026-03-06 00:00:00"}, // day 13 or a Friday
            {"0 0 0 29 2 *", "2027-01-01 00:00:00", "2024-02-29 00:00:00"},
            {"*/20 * * * * *", "2026-03-04 10:17:42", "2026-03-04 10:17:40"},
            {"0 0 12 * * 7", "2026-03-09 00:00:00", "2026-03-08 12:00:00"}, // 7 is Sunday too
        };
        for (String[] c : cases) {
            assertEquals(c[2], one("SELECT to_char(pgtrickle._cron_prev(" + literal(c[0]) + ", " + literal(c[1] + "+00")
                    + "::timestamptz) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"), c[0] + " at " + c[1]);
        }
    }

    @Test
    void calculatedFollowsTheFastestDurationReaderAndStalenessItsOwnSchedule() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('calc_up', 'SELECT id, n FROM items')",
             "SELECT pgtrickle.create_stream_table('calc_5m', 'SELECT id FROM calc_up', schedule => '5m')",
             "SELECT pgtrickle.create_stream_table('calc_2m', 'SELECT n FROM calc_up', schedule => '2m')",
             "SELECT pgtrickle.create_stream_table('calc_cron', 'SELECT id FROM calc_up', schedule => '* * * * * *')");
        assertEquals("duration 120", resolved("calc_up"));
        exec("SELECT pgtrickle.alter_stream_table('calc_cron', schedule => '*/5 * * * *')");
        assertEquals("cron 0 */5 * * * *", one("SELECT kind || ' ' || cron FROM pgtrickle._resolved_schedule("
                + "(SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'calc_cron'))"));
        exec("SELECT pgtrickle.drop_stream_table('calc_2m')", "SELECT pgtrickle.drop_stream_table('calc_5m')");
        assertEquals("every_tick ", resolved("calc_up"), "cron readers do not count");

        // data 4 minutes old: late for '1m' (more than 3 periods), not for '2m'; a cron moment 30 s ago is late
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, last_tick = 1, "
             + "data_timestamp = clock_timestamp() - interval '4 minutes' WHERE pgt_name IN ('calc_up', 'calc_cron')");
        exec("SELECT pgtrickle.alter_stream_table('calc_up', schedule => '1m')");
        assertEquals("true", late("calc_up"));
        exec("SELECT pgtrickle.alter_stream_table('calc_up', schedule => '2m')");
        assertEquals("false", late("calc_up"));
        exec("SELECT pgtrickle.alter_stream_table('calc_cron', schedule => '* * * * *')"); // a moment every minute
        assertEquals("true", late("calc_cron"));
        exec("SELECT pgtrickle.alter_stream_table('calc_cron', schedule => '@yearly')");
        assertEquals(one("SELECT (date_trunc('year', clock_timestamp() AT TIME ZONE 'UTC' - interval '30 seconds') "
                        + "> clock_timestamp() AT TIME ZONE 'UTC' - interval '4 minutes')::text"),
                late("calc_cron"), "late only when new year's moment passed within the last 4 minutes");
        assertEquals("2", one("SELECT count(*) FROM pgtrickle._sink_schedules() WHERE kind IN ('duration', 'cron') "
                + "AND (period_ms = 120000 OR last_moment IS NOT NULL)"));
        exec("SELECT pgtrickle.drop_stream_table('calc_up', cascade => true)");
    }

    @Test
    void anUpstreamIsAppliedEveryTickWhileADependentWaitsForItsFill() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('fill_up', 'SELECT id, n FROM items', schedule => '5m')",
             "SELECT pgtrickle.create_stream_table('fill_down', 'SELECT id FROM fill_up', schedule => '1h')");
        String kind = "SELECT kind || ' ' || coalesce(period_ms::text, '') FROM pgtrickle._sink_schedules() "
                + "WHERE pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'fill_up')";
        assertEquals("every_tick 300000", one(kind), "fill_down is INITIALIZING");
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false WHERE pgt_name = 'fill_down'");
        assertEquals("duration 300000", one(kind));
        exec("SELECT pgtrickle.refresh_stream_table('fill_down')");
        assertEquals("every_tick 300000", one(kind), "refreshed: waits for a new fill");
        exec("SELECT pgtrickle.drop_stream_table('fill_up', cascade => true)");
    }

    @Test
    void alterSuspendsResumesAndRefusesWhatItCannotDo() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('alt', 'SELECT id, n FROM items', refresh_mode => 'AUTO')");
        assertEquals("AUTO|AUTO", one("SELECT refresh_mode || '|' || requested_mode FROM pgtrickle.pgt_status() "
                + "WHERE name = 'public.alt'"));
        exec("UPDATE pgtrickle.pgt_stream_tables SET effective_mode = 'DIFFERENTIAL', status = 'ACTIVE' "
             + "WHERE pgt_name = 'alt'");
        assertEquals("DIFFERENTIAL|AUTO", one("SELECT refresh_mode || '|' || requested_mode FROM pgtrickle.pgt_status() "
                + "WHERE name = 'public.alt'"));

        exec("SELECT pgtrickle.alter_stream_table('alt', status => 'suspended')");
        assertEquals("SUSPENDED|true|ACTIVE", one("SELECT p.status || '|' || s.held || '|' || s.status "
                + "FROM pgtrickle.pgt_status() p, pgtrickle.pgt_stream_tables s WHERE p.name = 'public.alt' AND s.pgt_name = 'alt'"));
        exec("SELECT pgtrickle.alter_stream_table('alt', status => 'SUSPENDED')"); // again: nothing to do
        exec("SELECT pgtrickle.resume_stream_table('alt')");
        assertEquals("ACTIVE|false", one("SELECT p.status || '|' || s.held FROM pgtrickle.pgt_status() p, "
                + "pgtrickle.pgt_stream_tables s WHERE p.name = 'public.alt' AND s.pgt_name = 'alt'"));
        assertRefused("SELECT pgtrickle.resume_stream_table('alt')", "is not suspended");
        exec("SELECT pgtrickle.alter_stream_table('alt', status => 'SUSPENDED')",
             "SELECT pgtrickle.alter_stream_table('alt', status => 'ACTIVE')");
        assertEquals("false", one("SELECT held::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt'"));

        // query and refresh_mode: AlterQuerySqlTest
        assertRefused("SELECT pgtrickle.alter_stream_table('alt', cdc_mode => 'logical')", "invalid cdc_mode 'logical'");
        assertRefused("SELECT pgtrickle.alter_stream_table('alt', refresh_mode => 'OFTEN')", "invalid refresh_mode");
        assertRefused("SELECT pgtrickle.alter_stream_table('alt', status => 'PAUSED')", "invalid status");
        assertRefused("SELECT pgtrickle.alter_stream_table('alt', schedule => '5m', status => 'nope')", "invalid status");
        assertEquals("calculated", one("SELECT schedule FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt'"));
        exec("SELECT pgtrickle.alter_stream_table('alt', refresh_mode => 'auto')"); // the same mode: nothing to do
        assertRefused("SELECT pgtrickle.alter_stream_table('nope', schedule => '5m')", "does not exist");

        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR' WHERE pgt_name = 'alt'");
        assertRefused("SELECT pgtrickle.alter_stream_table('alt', status => 'SUSPENDED')", "cannot suspend stream table public.alt: it is ERROR");

        exec("DROP ROLE IF EXISTS sched_other", "CREATE ROLE sched_other LOGIN",
             "GRANT SELECT ON alt TO sched_other");
        SQLException e = assertThrows(SQLException.class, () -> exec("SET SESSION AUTHORIZATION sched_other; "
                + "SELECT pgtrickle.alter_stream_table('public.alt', schedule => '5m')"));
        assertTrue(e.getMessage().contains("permission denied to alter stream table public.alt"), e.getMessage());
        exec("SELECT pgtrickle.drop_stream_table('alt')", "DROP ROLE sched_other");
    }

    private static String resolved(String name) throws SQLException {
        return one("SELECT kind || ' ' || coalesce(seconds::bigint::text, '') FROM pgtrickle._resolved_schedule("
                + "(SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " + literal(name) + "))");
    }

    private static String late(String name) throws SQLException {
        return one("SELECT pgtrickle._late(pgt_id)::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = " + literal(name));
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static void assertRefused(String sql, String expected) {
        SQLException e = assertThrows(SQLException.class, () -> exec(sql), sql);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
