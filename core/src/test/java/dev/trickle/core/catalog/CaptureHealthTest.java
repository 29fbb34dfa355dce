package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * health_check()'s capture_triggers check (V0_4_0_18): a captured source whose capture trigger was dropped or
 * disabled writes nothing to its buffer, so its stream tables drift without an error; the check names the source
 * and the trigger, says what it means and to run rebuild_cdc_triggers(), and is OK again once that ran.
 */
class CaptureHealthTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("capture_health");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @Test
    void warnsOnMissingOrDisabledCaptureTriggersUntilTheyAreRebuilt() throws SQLException {
        exec("CREATE TABLE ch_a (id int PRIMARY KEY, v int)", "CREATE TABLE \"Ch Row\" (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('ch_st', 'SELECT a.id, a.v, b.v AS bv FROM ch_a a JOIN \"Ch Row\" b USING (id)')");
        assertEquals("OK|every captured source has its capture triggers, enabled", check());

        exec("ALTER TABLE ch_a DISABLE TRIGGER pgt_cdc_upd", "DROP TRIGGER pgt_cdc_ins ON \"Ch Row\"");
        // what the check is about: those writes reach no buffer
        exec("INSERT INTO ch_a VALUES (1, 1)", "UPDATE ch_a SET v = 2", "INSERT INTO \"Ch Row\" VALUES (1, 1)");
        assertEquals("+", one("SELECT string_agg(__pgt_op::text, '') FROM pgtrickle_changes." + buffer("ch_a")));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle_changes." + buffer("Ch Row")));

        String health = check();
        assertTrue(health.startsWith("WARN|changes to public.\"Ch Row\" (INSERT trigger pgt_cdc_ins missing); "
                + "public.ch_a (UPDATE trigger pgt_cdc_upd disabled) are not being captured"), health);
        assertTrue(health.contains("run SELECT * FROM pgtrickle.rebuild_cdc_triggers()"), health);
        assertTrue(health.contains("pgtrickle.refresh_stream_table"), health);

        assertEquals("2", one("SELECT count(*) FILTER (WHERE rebuilt) FROM pgtrickle.rebuild_cdc_triggers()"));
        assertEquals("OK|every captured source has its capture triggers, enabled", check());
        exec("UPDATE ch_a SET v = 3");
        assertEquals("+-+", one("SELECT string_agg(__pgt_op::text, '' ORDER BY __pgt_change_id) FROM pgtrickle_changes."
                + buffer("ch_a")));
        exec("SELECT pgtrickle.drop_stream_table('ch_st')", "DROP TABLE ch_a, \"Ch Row\"");
    }

    @Test
    void judgesRowModeSourcesByTheirOwnTrigger() throws SQLException {
        exec("CREATE TABLE ch_r (id int PRIMARY KEY, v int)");
        try (var c = EmbeddedPg.connect(url); var s = c.createStatement()) {
            s.execute("SET pgtrickle.cdc_trigger_mode = 'row'");
            s.execute("SELECT pgtrickle.create_stream_table('ch_rst', 'SELECT id, v FROM ch_r')");
        }
        assertEquals("OK", check().split("\\|")[0]);
        exec("ALTER TABLE ch_r DISABLE TRIGGER pgt_cdc_row");
        String health = check();
        assertTrue(health.startsWith("WARN|changes to public.ch_r (DML trigger pgt_cdc_row disabled) are not being captured"),
                health);
        // the rebuild moves it to the configured (default: statement) form, which is intact too
        exec("SELECT * FROM pgtrickle.rebuild_cdc_triggers()");
        assertEquals("OK", check().split("\\|")[0]);
        exec("SELECT pgtrickle.drop_stream_table('ch_rst')", "DROP TABLE ch_r");
    }

    /** The capture_triggers row of health_check(): severity|detail. */
    private static String check() throws SQLException {
        return one("SELECT severity || '|' || detail FROM pgtrickle.health_check() WHERE check_name = 'capture_triggers'");
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
