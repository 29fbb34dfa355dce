package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trigger modes (V0_4_0_14): pgtrickle.cdc_trigger_mode picks the capture form of new sources,
 * rebuild_cdc_triggers() moves every captured source to the configured form while writers run (the buffers
 * then hold exactly the committed changes: none lost, none twice), and trigger_inventory() lists each expected
 * trigger, present and enabled.
 */
class TriggerModesTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("trigger_modes");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @Test
    void rebuildsUnderConcurrentWritersLoseAndDoubleNothing() throws Exception {
        exec("CREATE TABLE w_a (id int PRIMARY KEY, v int)", "CREATE TABLE w_b (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('w_st', 'SELECT a.id, a.v, b.v AS bv FROM w_a a LEFT JOIN w_b b USING (id)')");
        List<String> tables = List.of("w_a", "w_b");
        try (SourceWriters writers = new SourceWriters(url, tables, 4)) {
            writers.awaitProgress(50);
            for (int round = 0; round < 6; round++) {
                String mode = round % 2 == 0 ? "row" : "statement";
                assertEquals("2", rebuild(mode), "sources moved to " + mode);
                assertEquals(mode + ":" + mode, one("SELECT string_agg(DISTINCT trigger_mode, ',') || ':' || "
                        + "(SELECT string_agg(DISTINCT trigger_mode, ',') FROM pgtrickle.pgt_sources) FROM pgtrickle.trigger_inventory()"));
                assertEquals("0", one("SELECT count(*) FROM pgtrickle.trigger_inventory() WHERE NOT (present AND enabled)"));
                writers.awaitProgress(40);
            }
            writers.close();
            assertTrue(writers.errors().isEmpty(), "writers failed: " + writers.errors());
            for (String table : tables) {
                String buffer = buffer(table);
                assertEquals(Long.toString(writers.bufferRows(table)), one("SELECT count(*) FROM pgtrickle_changes." + buffer),
                        "buffer rows of " + table);
                // replaying the buffer gives the table: every change is there once
                assertEquals("0", one("SELECT count(*) FROM (SELECT id, v, sum(w) FROM (SELECT id, v, CASE __pgt_op WHEN '+' "
                        + "THEN 1 ELSE -1 END AS w FROM pgtrickle_changes." + buffer + " UNION ALL SELECT id, v, -1 FROM " + table
                        + ") x GROUP BY id, v HAVING sum(w) <> 0) d"), "net changes of " + table);
            }
            assertTrue(writers.committed() > 250, "transactions committed: " + writers.committed());
        }
        exec("SELECT pgtrickle.drop_stream_table('w_st')", "DROP TABLE w_a, w_b");
    }

    @Test
    void inventoryShowsMissingAndDisabledTriggersAndRebuildRepairsThem() throws SQLException {
        exec("CREATE TABLE i_src (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('i_st', 'SELECT id, v FROM i_src')");
        assertEquals("pgt_cdc_del:DELETE:t:t|pgt_cdc_ins:INSERT:t:t|pgt_cdc_trunc:TRUNCATE:t:t|pgt_cdc_upd:UPDATE:t:t",
                inventory("public.i_src"));
        exec("ALTER TABLE i_src DISABLE TRIGGER pgt_cdc_upd", "DROP TRIGGER pgt_cdc_ins ON i_src");
        assertEquals("pgt_cdc_del:DELETE:t:t|pgt_cdc_ins:INSERT:f:f|pgt_cdc_trunc:TRUNCATE:t:t|pgt_cdc_upd:UPDATE:t:f",
                inventory("public.i_src"));
        // nothing to change in the other sources: only the broken one is rebuilt
        assertEquals("public.i_src:statement:statement", one("SELECT string_agg(source || ':' || previous_mode || ':' "
                + "|| trigger_mode, ',') FROM pgtrickle.rebuild_cdc_triggers() WHERE rebuilt"));
        assertEquals("pgt_cdc_del:DELETE:t:t|pgt_cdc_ins:INSERT:t:t|pgt_cdc_trunc:TRUNCATE:t:t|pgt_cdc_upd:UPDATE:t:t",
                inventory("public.i_src"));
        assertEquals("0", rebuild("statement"));

        assertEquals("1", rebuild("row"));
        assertEquals("pgt_cdc_row:DML:t:t|pgt_cdc_trunc:TRUNCATE:t:t", inventory("public.i_src"));
        exec("INSERT INTO i_src VALUES (1, 1)", "UPDATE i_src SET v = 2", "DELETE FROM i_src");
        assertEquals("+1|-1|+2|-2", one("SELECT string_agg(__pgt_op || v, '|' ORDER BY __pgt_change_id) FROM pgtrickle_changes."
                + buffer("i_src")));
        exec("SELECT pgtrickle.drop_stream_table('i_st')", "DROP TABLE i_src");
    }

    @Test
    void theSettingPicksTheFormOfNewSourcesAndABadValueIsRefused() throws SQLException {
        exec("CREATE TABLE m_src (id int PRIMARY KEY, v int)");
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET pgtrickle.cdc_trigger_mode = ' ROW '");
            s.execute("SELECT pgtrickle.create_stream_table('m_st', 'SELECT id, v FROM m_src')");
            s.execute("SET pgtrickle.cdc_trigger_mode = 'rows'");
            SQLException rebuild = assertThrows(SQLException.class, () -> s.execute("SELECT * FROM pgtrickle.rebuild_cdc_triggers()"));
            assertTrue(rebuild.getMessage().contains("invalid value 'rows' for pgtrickle.cdc_trigger_mode"), rebuild.getMessage());
            assertTrue(rebuild.getMessage().contains("Use 'statement' (the default) or 'row'"), rebuild.getMessage());
            SQLException create = assertThrows(SQLException.class,
                    () -> s.execute("SELECT pgtrickle.create_stream_table('m_st2', 'SELECT id FROM m_src WHERE v > 0')"));
            assertTrue(create.getMessage().contains("invalid value 'rows'"), create.getMessage());
            s.execute("RESET pgtrickle.cdc_trigger_mode");
        }
        assertEquals("row", one("SELECT trigger_mode FROM pgtrickle.pgt_sources WHERE source_name = 'm_src'"));
        assertEquals("pgt_cdc_row:DML:t:t|pgt_cdc_trunc:TRUNCATE:t:t", inventory("public.m_src"));
        // reset: the default form, statement-level
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.rebuild_cdc_triggers() WHERE rebuilt"));
        assertEquals("statement", one("SELECT trigger_mode FROM pgtrickle.pgt_sources WHERE source_name = 'm_src'"));
        exec("SELECT pgtrickle.drop_stream_table('m_st')", "DROP TABLE m_src");
    }

    @Test
    void onlyTheCatalogOwnerRebuilds() throws SQLException {
        exec("CREATE ROLE tm_other LOGIN PASSWORD 'tm_other'");
        try (Connection c = java.sql.DriverManager.getConnection(url.replaceFirst("\\?user=[^&]*", ""), "tm_other", "tm_other"); Statement s = c.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> s.execute("SELECT * FROM pgtrickle.rebuild_cdc_triggers()"));
            assertTrue(refused.getMessage().contains("permission denied for function rebuild_cdc_triggers"), refused.getMessage());
        } finally {
            exec("DROP ROLE tm_other");
        }
    }

    /** How many sources a rebuild to {@code mode} moved. */
    private static String rebuild(String mode) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET pgtrickle.cdc_trigger_mode = '" + mode + "'");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE rebuilt) FROM pgtrickle.rebuild_cdc_triggers()")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String inventory(String source) throws SQLException {
        return one("SELECT string_agg(trigger_name || ':' || trigger_type || ':' || left(present::text, 1) || ':' || left(enabled::text, 1), '|' "
                + "ORDER BY trigger_name) FROM pgtrickle.trigger_inventory() WHERE source_table = '" + source + "'");
    }

    private static String buffer(String source) throws SQLException {
        return one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
