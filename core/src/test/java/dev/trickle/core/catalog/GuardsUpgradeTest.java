package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * A catalog of 0.4.0.6 upgraded to 0.4.0.7: capture triggers re-created without their buffer argument (each
 * source keeping its row or statement mode), dependency views and DML guards for the stream tables that exist,
 * and a stream table whose query no longer runs put in ERROR saying what to do.
 */
class GuardsUpgradeTest {

    @Test
    void existingStreamTablesGetTheirGuardsAndCaptureTriggersTheirNewForm() throws SQLException {
        String url = EmbeddedPg.freshDatabase("guards_upgrade");
        Flyway.configure(CatalogInstaller.class.getClassLoader()).dataSource(url, "postgres", "postgres")
                .schemas("pgtrickle").table("pgt_schema_history").locations("classpath:db/migration")
                .placeholderReplacement(false).target("0.4.0.6").load().migrate();
        EmbeddedPg.exec(url, "CREATE TABLE stmt_src (id int PRIMARY KEY, v int, gone int)",
                "CREATE TABLE row_src (id int PRIMARY KEY, w int)",
                "SELECT pgtrickle.create_stream_table('stmt_st', 'SELECT id, v FROM stmt_src')",
                "SELECT pgtrickle.create_stream_table('broken_st', 'SELECT id, gone FROM stmt_src')",
                "SET pgtrickle.cdc_trigger_mode = 'row'",
                "SELECT pgtrickle.create_stream_table('row_st', 'SELECT id, w FROM row_src')",
                "ALTER TABLE stmt_src DROP COLUMN gone");
        assertEquals("6", EmbeddedPg.one(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%' AND tgnargs = 1"));

        CatalogInstaller.install(url, "postgres", "postgres");

        assertEquals("pgt_cdc_del:0,pgt_cdc_ins:0,pgt_cdc_trunc:0,pgt_cdc_upd:0|pgt_cdc_row:0,pgt_cdc_trunc:0",
                EmbeddedPg.one(url, "SELECT (SELECT string_agg(tgname || ':' || tgnargs, ',' ORDER BY tgname) FROM pg_trigger "
                        + "WHERE tgrelid = 'stmt_src'::regclass AND tgname LIKE 'pgt\\_cdc\\_%') || '|' || "
                        + "(SELECT string_agg(tgname || ':' || tgnargs, ',' ORDER BY tgname) FROM pg_trigger "
                        + "WHERE tgrelid = 'row_src'::regclass AND tgname LIKE 'pgt\\_cdc\\_%')"));
        EmbeddedPg.exec(url, "INSERT INTO stmt_src VALUES (1, 1)", "INSERT INTO row_src VALUES (1, 1)", "UPDATE row_src SET w = 2");
        for (String source : new String[] {"stmt_src", "row_src"}) {
            String buffer = EmbeddedPg.one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
            assertTrue(Integer.parseInt(EmbeddedPg.one(url, "SELECT count(*) FROM pgtrickle_changes." + buffer)) > 0, source);
        }

        assertEquals("broken_st:ERROR:false|row_st:INITIALIZING:true|stmt_st:INITIALIZING:true",
                EmbeddedPg.one(url, "SELECT string_agg(pgt_name || ':' || status || ':' || (deps_view IS NOT NULL), '|' "
                        + "ORDER BY pgt_name) FROM pgtrickle.pgt_stream_tables"));
        String error = EmbeddedPg.one(url, "SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'broken_st'");
        assertTrue(error.startsWith("its defining query no longer works (column \"gone\" does not exist); drop it"), error);
        assertEquals("SELECT id, v FROM stmt_src",
                EmbeddedPg.one(url, "SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'stmt_st'"));
        SQLException guarded = assertThrows(SQLException.class, () -> EmbeddedPg.exec(url, "DELETE FROM stmt_st"));
        assertTrue(guarded.getMessage().contains("maintained by Trickle"), guarded.getMessage());
        SQLException refused = assertThrows(SQLException.class, () -> EmbeddedPg.exec(url, "ALTER TABLE stmt_src DROP COLUMN v"));
        assertTrue(refused.getMessage().contains("because stream table public.stmt_st reads it"), refused.getMessage());

        // the broken one goes as any other
        EmbeddedPg.exec(url, "SELECT pgtrickle.drop_stream_table('broken_st')");
        assertEquals("row_st,stmt_st", EmbeddedPg.one(url, "SELECT string_agg(pgt_name, ',' ORDER BY pgt_name) "
                + "FROM pgtrickle.pgt_stream_tables"));
    }
}
