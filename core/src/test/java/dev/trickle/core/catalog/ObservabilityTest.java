package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;

/**
 * The monitoring functions of the tick pipeline on real PostgreSQL: ticks are recorded here the way
 * the source connector records them (a row in pgt_ticks with pg_current_snapshot()), stream tables
 * advanced the way the sink advances them, and buffers cleaned the way the connector cleans them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {
    private static String url;
    private static String buffer;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("observability");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE acct (id int PRIMARY KEY, balance numeric(12,2))",
             "INSERT INTO acct SELECT g, 100 FROM generate_series(1, 10) g",
             "CREATE TABLE other (id int PRIMARY KEY)");
    }

    @Test
    @Order(1)
    void beforeAnyTickEverythingSaysSoWithNulls() throws SQLException {
        assertEquals("null|null|null|0|null", one("SELECT concat_ws('|', coalesce(current_tick::text, 'null'), "
                + "coalesce(age::text, 'null'), coalesce(open_in_snapshot::text, 'null'), ticks_last_minute, "
                + "coalesce(oldest_tick_kept::text, 'null')) FROM pgtrickle.tick_status()"));
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.tick_status()"), "always one row");
        exec("SELECT pgtrickle.create_stream_table('acct_total', 'SELECT sum(balance) AS total FROM acct')");
        buffer = "pgtrickle_changes." + one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'acct'");
        assertEquals("public.acct_total|INITIALIZING|null|null|null|null", one("SELECT concat_ws('|', name, status, "
                + "coalesce(last_tick::text, 'null'), coalesce(current_tick::text, 'null'), coalesce(lag_ticks::text, 'null'), "
                + "coalesce(lag_seconds::text, 'null')) FROM pgtrickle.stream_table_lag()"));
        exec("UPDATE acct SET balance = balance - 5 WHERE id = 1", "UPDATE acct SET balance = balance + 5 WHERE id = 2");
        // no tick yet: every committed change awaits the first tick
        assertEquals("public.acct|" + buffer + "|4|0|4|0", one("SELECT concat_ws('|', source, buffer_table, pending_rows, "
                + "in_taken_ticks, awaiting_tick, open_transactions) FROM pgtrickle.change_buffer_status()"));
        assertTrue(Long.parseLong(one("SELECT buffer_bytes FROM pgtrickle.change_buffer_status()")) > 0);
    }

    @Test
    @Order(2)
    void tickStatusShowsTheNewestTickItsAgeAndWhatWasOpenInIt() throws Exception {
        try (Connection open = EmbeddedPg.connect(url); Statement s = open.createStatement()) {
            open.setAutoCommit(false);
            s.execute("INSERT INTO acct VALUES (100, 0)");
            String xid = value(s, "SELECT pg_current_xact_id()");
            tick(1);
            tick(2);
            assertEquals("2|0", one("SELECT current_tick || '|' || rows_captured FROM pgtrickle.tick_status()"));
            assertTrue(Integer.parseInt(one("SELECT open_in_snapshot FROM pgtrickle.tick_status()")) >= 1);
            assertEquals("t", one("SELECT '" + xid + "'::xid8 IN (SELECT pg_snapshot_xip(snapshot) FROM pgtrickle.pgt_ticks "
                    + "WHERE tick_id = 2)"));
            assertEquals("true|true|1", one("SELECT (age >= interval '0' AND age < interval '1 minute') || '|' || "
                    + "(taken_at <= clock_timestamp()) || '|' || oldest_tick_kept FROM pgtrickle.tick_status()"));
            assertTrue(Long.parseLong(one("SELECT ticks_last_minute FROM pgtrickle.tick_status()")) >= 2);
            open.rollback();
        }
        exec("UPDATE pgtrickle.pgt_ticks SET created_at = clock_timestamp() - interval '90 seconds' WHERE tick_id = 2");
        assertEquals("t", one("SELECT age >= interval '90 seconds' FROM pgtrickle.tick_status()"));
    }

    @Test
    @Order(3)
    void streamTableLagCountsTicksAndSecondsBehindTheNewestTick() throws Exception {
        // what the sink writes with tick 2's delta
        exec("INSERT INTO pgtrickle.pgt_sink_progress (pgt_id, last_tick) SELECT pgt_id, 2 FROM pgtrickle.pgt_stream_tables",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', last_tick = 2, "
                     + "data_timestamp = (SELECT created_at FROM pgtrickle.pgt_ticks WHERE tick_id = 2)");
        tick(3);
        tick(4);
        tick(5);
        assertEquals("public.acct_total|ACTIVE|2|5|3", one("SELECT concat_ws('|', name, status, last_tick, current_tick, "
                + "lag_ticks) FROM pgtrickle.stream_table_lag()"));
        double lag = Double.parseDouble(one("SELECT lag_seconds FROM pgtrickle.stream_table_lag()"));
        assertTrue(lag >= 90 && lag < 600, "tick 2 was taken 90 s ago: " + lag);
        assertEquals("t", one("SELECT last_applied_at IS NOT NULL FROM pgtrickle.stream_table_lag()"));
        exec("UPDATE pgtrickle.pgt_stream_tables SET last_tick = 5, "
                + "data_timestamp = (SELECT created_at FROM pgtrickle.pgt_ticks WHERE tick_id = 5)");
        assertEquals("0", one("SELECT lag_ticks FROM pgtrickle.stream_table_lag()"));
        assertTrue(Double.parseDouble(one("SELECT lag_seconds FROM pgtrickle.stream_table_lag()")) < 60);
    }

    @Test
    @Order(4)
    void changeBufferStatusSplitsTakenFromAwaitingRowsAndDropsToZeroOnceCleaned() throws Exception {
        cleanUpTo(5);
        assertEquals("0|0|0", bufferCounts());
        exec("UPDATE acct SET balance = balance - 1 WHERE id IN (3, 4)"); // -old/+new: 4 rows
        long taken = tick(6);
        exec("INSERT INTO acct VALUES (200, 1), (201, 2), (202, 3)");
        assertEquals("7|4|3", bufferCounts(), "tick 6 carries the update; the insert awaits tick 7");
        try (Connection open = EmbeddedPg.connect(url); Statement s = open.createStatement()) {
            open.setAutoCommit(false);
            s.execute("INSERT INTO acct VALUES (300, 9)");
            assertEquals("7|4|3|1", one("SELECT concat_ws('|', pending_rows, in_taken_ticks, awaiting_tick, open_transactions) "
                    + "FROM pgtrickle.change_buffer_status()"), "the open transaction's rows are invisible, but it is counted");
            assertEquals("t", one("SELECT oldest_open_age >= interval '0' FROM pgtrickle.change_buffer_status()"));
            open.commit();
        }
        assertEquals("8|4|4|0", one("SELECT concat_ws('|', pending_rows, in_taken_ticks, awaiting_tick, open_transactions) "
                + "FROM pgtrickle.change_buffer_status()"));
        cleanUpTo(taken);
        assertEquals("4|0|4", bufferCounts(), "cleaning after tick 6 reached Kafka leaves only the later rows");
        tick(7);
        cleanUpTo(7);
        assertEquals("0|0|0", bufferCounts());
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.change_buffer_status()"), "one row per captured source");
    }

    @Test
    @Order(5)
    void openTransactionsNameTheWritersOfChangeBuffersOldestFirstIncludingPreparedOnes() throws Exception {
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.open_transactions()"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.oldest_open_transaction()"));
        try (Connection first = EmbeddedPg.connect(url); Statement a = first.createStatement();
             Connection second = EmbeddedPg.connect(url); Statement b = second.createStatement();
             Connection reader = EmbeddedPg.connect(url); Statement r = reader.createStatement();
             Connection rolledBack = EmbeddedPg.connect(url); Statement sp = rolledBack.createStatement();
             Connection unrelated = EmbeddedPg.connect(url); Statement u = unrelated.createStatement();
             Connection cleaner = connectAs("trickle-source catalog"); Statement c = cleaner.createStatement()) {
            for (Connection conn : List.of(first, second, reader, rolledBack, unrelated, cleaner)) {
                conn.setAutoCommit(false);
            }
            a.execute("UPDATE acct SET balance = balance + 1 WHERE id = 5");
            String firstXid = value(a, "SELECT pg_current_xact_id()");
            String firstPid = value(a, "SELECT pg_backend_pid()");
            b.execute("INSERT INTO acct VALUES (400, 4)");
            String secondXid = value(b, "SELECT pg_current_xact_id()");
            String secondPid = value(b, "SELECT pg_backend_pid()");
            r.execute("SELECT count(*) FROM acct"); // reads only: no buffer write
            sp.execute("INSERT INTO other VALUES (1)");
            sp.execute("SAVEPOINT s");
            sp.execute("INSERT INTO acct VALUES (500, 5)");
            sp.execute("ROLLBACK TO SAVEPOINT s"); // its buffer write is gone, and the lock with it
            u.execute("INSERT INTO other VALUES (2)"); // writes a table that is not captured
            c.execute("DELETE FROM " + buffer + " WHERE false"); // the connector's own cleanup
            tick(8);
            tick(9);

            assertEquals(List.of("first|" + firstXid + "|idle in transaction|{public.acct}|2",
                            "second|" + secondXid + "|idle in transaction|{public.acct}|2"),
                    rows("SELECT concat_ws('|', CASE pid WHEN " + firstPid + " THEN 'first' WHEN " + secondPid
                            + " THEN 'second' ELSE pid::text END, xid, state, sources, ticks_open) "
                            + "FROM pgtrickle.open_transactions()"));
            assertEquals(firstXid, one("SELECT xid FROM pgtrickle.oldest_open_transaction()"));
            assertTrue(one("SELECT note FROM pgtrickle.oldest_open_transaction()")
                    .contains("land in the first tick taken after it commits"));
            assertEquals("t", one("SELECT age >= interval '0' AND started_at <= clock_timestamp() "
                    + "FROM pgtrickle.oldest_open_transaction()"));

            // a prepared transaction belongs to no session any more, and is still open
            b.execute("PREPARE TRANSACTION 'obs_transfer_1'");
            a.execute("COMMIT");
            tick(10);
            assertEquals("|" + secondXid + "|obs_transfer_1|prepared|{public.acct}|3", one("SELECT concat_ws('|', "
                    + "coalesce(pid::text, ''), xid, gid, state, sources, ticks_open) FROM pgtrickle.oldest_open_transaction()"));
            assertTrue(one("SELECT note FROM pgtrickle.oldest_open_transaction()").contains("after COMMIT PREPARED"));
            assertEquals("1", one("SELECT open_transactions FROM pgtrickle.change_buffer_status()"));
            exec("COMMIT PREPARED 'obs_transfer_1'");
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.open_transactions()"));
            assertEquals("0|null", one("SELECT open_transactions || '|' || coalesce(oldest_open_age::text, 'null') "
                    + "FROM pgtrickle.change_buffer_status()"));
            for (Connection conn : List.of(reader, rolledBack, unrelated, cleaner)) {
                conn.rollback();
            }
        }
    }

    @Test
    @Order(6)
    void xidsWidenToTheBuffersXid8() throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            assertEquals("t", value(s, "SELECT pgtrickle._xid8(pg_current_xact_id()::xid) = pg_current_xact_id()"));
            c.rollback();
        }
        assertNull(one("SELECT pgtrickle._xid8(NULL)"));
    }

    /** Records the next tick as the source connector does: the snapshot of a fresh transaction. */
    private static long tick(long id) throws SQLException {
        exec("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (" + id + ", pg_current_snapshot(), "
                + "pg_current_wal_lsn())");
        return id;
    }

    /** What the source connector deletes once tick {@code upTo} is committed to Kafka. */
    private static void cleanUpTo(long upTo) throws SQLException {
        exec("DELETE FROM " + buffer + " WHERE __pgt_xid < pg_snapshot_xmax((SELECT snapshot FROM pgtrickle.pgt_ticks WHERE tick_id = "
                + upTo + ")) AND pg_visible_in_snapshot(__pgt_xid, (SELECT snapshot FROM pgtrickle.pgt_ticks WHERE tick_id = " + upTo + "))");
    }

    private static String bufferCounts() throws SQLException {
        return one("SELECT concat_ws('|', pending_rows, in_taken_ticks, awaiting_tick) FROM pgtrickle.change_buffer_status()");
    }

    private static Connection connectAs(String applicationName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", "postgres");
        p.setProperty("ApplicationName", applicationName);
        return java.sql.DriverManager.getConnection(url, p);
    }

    private static String value(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
