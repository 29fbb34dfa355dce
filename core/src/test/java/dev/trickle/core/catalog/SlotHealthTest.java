package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The WAL capture slot seen from SQL (V0_4_0_19): slot_health(), check_cdc_health() and health_check()'s wal_slot,
 * wal_slot_lag and wal_slot_retention rows, on real PostgreSQL (wal_level = logical), without a connector: the slot
 * is made by hand as the connector would make it, and never read, as when the stack is stopped.
 */
class SlotHealthTest {
    private static String url;

    @BeforeEach
    void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("slot_health");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @AfterEach
    void dropSlot() throws SQLException {
        // slots are per server: this one must not outlive the test
        exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()");
    }

    @Test
    void reportsTheSlotItsLagAndUnboundedRetentionAndEachSourcesCapture() throws SQLException {
        exec("CREATE TABLE sh_t (id int PRIMARY KEY, v int)", "CREATE TABLE sh_w (id int PRIMARY KEY, v text)",
             "SELECT pgtrickle.create_stream_table('sh_st', 'SELECT * FROM sh_t')");
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.slot_health()"));
        assertEquals("OK|no source is captured from the WAL", health("wal_slot"));
        assertEquals("public.sh_t|trigger|t|captured by statement-level triggers",
                one("SELECT concat_ws('|', source_table, cdc_mode, healthy, message) FROM pgtrickle.check_cdc_health()"));

        // a WAL source before any connector made the slot: nothing keeps its changes
        exec("SELECT pgtrickle.create_stream_table('sh_ws', 'SELECT * FROM sh_w', cdc_mode => 'wal')");
        String missing = health("wal_slot");
        assertTrue(missing.startsWith("WARN|1 source(s) are captured from the WAL, but replication slot pgtrickle_wal_"),
                missing);
        assertTrue(missing.contains("start the source connector"), missing);
        assertEquals("f|f", one("SELECT concat_ws('|', slot_ok, healthy) FROM pgtrickle.check_cdc_health() "
                + "WHERE source_table = 'public.sh_w'"));

        // the slot as the connector makes it, never read (a stopped stack), while writes go on
        exec("SELECT pg_create_logical_replication_slot(pgtrickle._wal_slot_name(), 'pgoutput')",
             "INSERT INTO sh_w SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
        assertEquals("f|t|t", one("SELECT concat_ws('|', active, lag_bytes > 1000000, retained_wal_bytes >= lag_bytes) "
                + "FROM pgtrickle.slot_health()"));
        assertTrue(health("wal_slot").startsWith("OK|replication slot pgtrickle_wal_"), health("wal_slot"));
        assertTrue(health("wal_slot").contains("not being read right now"), health("wal_slot"));
        assertEquals("t|captured from the WAL through slot " + one("SELECT pgtrickle._wal_slot_name()"),
                one("SELECT concat_ws('|', healthy, message) FROM pgtrickle.check_cdc_health() WHERE source_table = 'public.sh_w'"));
        assertEquals("-1", one("SHOW max_slot_wal_keep_size"));
        String retention = health("wal_slot_retention");
        assertTrue(retention.startsWith("WARN|replication slot pgtrickle_wal_"), retention);
        assertTrue(retention.contains("is not being read and nothing limits the WAL it keeps"), retention);
        assertTrue(retention.contains("set max_slot_wal_keep_size"), retention);

        // lag: 1 GB by default, or pgtrickle.slot_lag_warn_mb
        assertTrue(health("wal_slot_lag").startsWith("OK|"), health("wal_slot_lag"));
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET pgtrickle.slot_lag_warn_mb = 1");
            try (ResultSet rs = s.executeQuery("SELECT severity || '|' || detail FROM pgtrickle.health_check() "
                    + "WHERE check_name = 'wal_slot_lag'")) {
                rs.next();
                String lag = rs.getString(1);
                assertTrue(lag.startsWith("WARN|replication slot pgtrickle_wal_"), lag);
                assertTrue(lag.contains("behind the current WAL position (warning above 1024 kB, setting "
                        + "pgtrickle.slot_lag_warn_mb)"), lag);
                assertTrue(lag.contains("is the source connector running and keeping up?"), lag);
            }
        }

        // what breaks WAL capture of a source, in words
        exec("ALTER TABLE sh_w REPLICA IDENTITY DEFAULT", "ALTER PUBLICATION pgtrickle_wal DROP TABLE sh_w",
             "CREATE TABLE sh_keep (a int)", "ALTER PUBLICATION pgtrickle_wal ADD TABLE sh_keep");
        String broken = one("SELECT concat_ws('|', healthy, message) FROM pgtrickle.check_cdc_health() "
                + "WHERE source_table = 'public.sh_w'");
        assertTrue(broken.startsWith("f|it is not in publication pgtrickle_wal, so its changes are not decoded -- run "
                + "ALTER PUBLICATION pgtrickle_wal ADD TABLE public.sh_w"), broken);
        assertTrue(broken.contains("its REPLICA IDENTITY is not FULL"), broken);
        exec("ALTER TABLE sh_w REPLICA IDENTITY FULL", "ALTER PUBLICATION pgtrickle_wal ADD TABLE sh_w",
             "ALTER PUBLICATION pgtrickle_wal DROP TABLE sh_keep");
        exec("SELECT pgtrickle.drop_stream_table('sh_ws')", "SELECT pgtrickle.drop_stream_table('sh_st')");
    }

    /**
     * A switch away from WAL capture is pending until the connector's decoder passes it: check_cdc_health() says so,
     * and the table stays in the publication until then (_wal_unpublish_idle, which the connector calls each tick).
     */
    @Test
    void aSwitchIsPendingUntilTheDecoderPassesItAndOnlyThenLeavesThePublication() throws SQLException {
        exec("CREATE TABLE sw_t (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('sw_st', 'SELECT * FROM sw_t', cdc_mode => 'wal')",
             "SELECT pg_create_logical_replication_slot(pgtrickle._wal_slot_name(), 'pgoutput')");
        assertEquals("wal|trigger", one("SELECT concat_ws('|', previous_mode, new_mode) "
                + "FROM pgtrickle.set_source_cdc_mode('sw_t', 'trigger')"));
        assertEquals("trigger|t|t|t", one("SELECT concat_ws('|', cdc_mode, switch_pending, triggers_ok, in_publication) "
                + "FROM pgtrickle.check_cdc_health() WHERE source_table = 'public.sw_t'"));
        assertTrue(one("SELECT message FROM pgtrickle.check_cdc_health() WHERE source_table = 'public.sw_t'")
                .endsWith("(switched to trigger capture; the connector's WAL decoder has not passed the switch yet)"));
        assertEquals("0", one("SELECT pgtrickle._wal_unpublish_idle()"));
        assertEquals("1", one("SELECT count(*) FROM pg_publication_tables WHERE tablename = 'sw_t'"));
        // what the decoder does once it meets the switch in the WAL
        exec("DELETE FROM pgtrickle.pgt_cdc_switches");
        assertEquals("1", one("SELECT pgtrickle._wal_unpublish_idle()"));
        assertEquals("0", one("SELECT count(*) FROM pg_publication"), "the publication goes once empty");
        exec("SELECT pgtrickle.drop_stream_table('sw_st')");
    }

    private static String health(String check) throws SQLException {
        return one("SELECT severity || '|' || detail FROM pgtrickle.health_check() WHERE check_name = '" + check + "'");
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
