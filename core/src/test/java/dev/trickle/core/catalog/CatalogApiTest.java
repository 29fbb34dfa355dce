package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** The SQL API on real PostgreSQL: what a user calls from psql, and what it leaves behind. */
class CatalogApiTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("catalog");
        String version = CatalogInstaller.install(url, "postgres", "postgres");
        assertTrue(version.matches("0\\.4\\.0(\\.\\d+)?"), version);
        // idempotent: a second install changes nothing
        assertEquals(version, CatalogInstaller.install(url, "postgres", "postgres"));
        exec("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount numeric(10,2), note text)",
             "CREATE TABLE \"Odd \"\"Source\"\"\" (a int, b text)",
             "INSERT INTO orders VALUES (1, 1, 10.50, 'a'), (2, 2, 20, NULL)");
    }

    @Test
    void createsStorageCaptureAndCatalogRows() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('big_orders', 'SELECT id, amount * 2 AS doubled FROM orders WHERE amount > 5')");
        assertEquals(List.of("id:integer", "doubled:numeric"), columns("public", "big_orders"));
        assertEquals("INITIALIZING", one("SELECT status FROM pgtrickle.pgt_status() WHERE name = 'public.big_orders'"));
        assertEquals("4", one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname LIKE 'pgt_cdc_%'"));
        String buffer = one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_relid = 'orders'::regclass");

        // statement-level capture: an UPDATE of the key is -old/+new; TRUNCATE writes the rows it removes
        exec("INSERT INTO orders VALUES (3, 3, 1, 'x')", "UPDATE orders SET id = id + 10 WHERE id = 1",
             "DELETE FROM orders WHERE id = 2", "TRUNCATE orders");
        assertEquals("+{\"id\": 3}|-{\"id\": 1}|+{\"id\": 11}|-{\"id\": 2}|T{\"id\": 3}|T{\"id\": 11}",
                one("SELECT string_agg(__pgt_op::text || jsonb_build_object('id', id)::text, '|' ORDER BY __pgt_change_id) "
                        + "FROM pgtrickle_changes." + buffer));
        assertEquals("1", one("SELECT count(DISTINCT __pgt_xid) FROM pgtrickle_changes." + buffer
                + " WHERE __pgt_op = 'T'"));

        exec("SELECT pgtrickle.drop_stream_table('public.big_orders')");
        assertEquals("0", one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname LIKE 'pgt_cdc_%'"));
        assertEquals(null, one("SELECT to_regclass('pgtrickle_changes." + buffer + "')"));
        assertEquals(null, one("SELECT to_regclass('public.big_orders')"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
    }

    @Test
    void unhashableColumnsGetNoRowIndexAndStillAcceptRows() throws SQLException {
        exec("CREATE TABLE docs (id int PRIMARY KEY, doc json, tags jsonb)",
             "SELECT pgtrickle.create_stream_table('doc_json', 'SELECT id, doc FROM docs')",
             "SELECT pgtrickle.create_stream_table('doc_jsonb', 'SELECT id, tags FROM docs')",
             "SET pgtrickle.sink_apply = 'on'", // as the sink does (for its apply transaction only)
             "INSERT INTO doc_json VALUES (1, '{}')", "INSERT INTO doc_jsonb VALUES (1, '[1]')");
        assertEquals("0", one("SELECT count(*) FROM pg_index WHERE indrelid = 'doc_json'::regclass"));
        assertEquals("1", one("SELECT count(*) FROM pg_index WHERE indrelid = 'doc_jsonb'::regclass"));
        exec("SELECT pgtrickle.drop_stream_table('doc_json')", "SELECT pgtrickle.drop_stream_table('doc_jsonb')");
    }

    @Test
    void sourceColumnsNamedLikeTheTriggerAliasesAreCapturedAsRows() throws SQLException {
        exec("CREATE TABLE aliases (n int PRIMARY KEY, o text, t numeric)",
             "SELECT pgtrickle.create_stream_table('alias_st', 'SELECT n, o, t FROM aliases')",
             "INSERT INTO aliases VALUES (1, 'x', 1.5)", "UPDATE aliases SET t = 2", "DELETE FROM aliases",
             "INSERT INTO aliases VALUES (2, 'y', 3)", "TRUNCATE aliases");
        String buffer = one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_relid = 'aliases'::regclass");
        assertEquals("6", one("SELECT count(*) FROM pgtrickle_changes." + buffer
                + " WHERE n IS NOT NULL AND o IS NOT NULL AND t IS NOT NULL"));
        exec("SELECT pgtrickle.drop_stream_table('alias_st')");
    }

    @Test
    void explainSaysWhatTheEngineMadeOfAStreamTable() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('explained', 'SELECT id FROM orders')");
        assertTrue(one("SELECT explain FROM pgtrickle.explain_st('explained')").startsWith("not planned yet"));
        exec("UPDATE pgtrickle.pgt_stream_tables SET effective_mode = 'DIFFERENTIAL', explain = 'Filter...' "
                + "WHERE pgt_name = 'explained'");
        assertEquals("public.explained|AUTO|DIFFERENTIAL|Filter...", one("SELECT stream_table || '|' || refresh_mode || '|' "
                + "|| effective_mode || '|' || explain FROM pgtrickle.explain_st('explained')"));
        assertRefused("SELECT * FROM pgtrickle.explain_st('nope')", "does not exist");
        // a refresh brings a stream table back from ERROR: planned and filled anew
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = 'boom', engine_ready = true "
                + "WHERE pgt_name = 'explained'", "SELECT pgtrickle.refresh_stream_table('explained')");
        assertEquals("INITIALIZING|false|true|", one("SELECT status || '|' || engine_ready || '|' || needs_init || '|' "
                + "|| coalesce(last_error, '') FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'explained'"));
        exec("SELECT pgtrickle.drop_stream_table('explained')");
    }

    @Test
    void namesThatNeedQuotingWork() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('\"Order Totals\"', 'SELECT a, b FROM \"Odd \"\"Source\"\"\"')",
             "SELECT pgtrickle.create_stream_table('public.\"it''s \"\"odd\"\"\"', 'SELECT a FROM \"Odd \"\"Source\"\"\"')");
        assertEquals("2", one("SELECT count(*) FROM pgtrickle.pgt_status() WHERE name IN "
                + "('public.\"Order Totals\"', 'public.\"it''s \"\"odd\"\"\"')"));
        assertEquals("f", one("SELECT has_primary_key FROM pgtrickle.pgt_sources WHERE source_name = 'Odd \"Source\"'"));
        exec("SELECT pgtrickle.drop_stream_table('\"Order Totals\"')");
        // still captured: the other stream table reads it
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name = 'Odd \"Source\"'"));
        exec("SELECT pgtrickle.drop_stream_table('public.\"it''s \"\"odd\"\"\"')");
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name = 'Odd \"Source\"'"));
    }

    @Test
    void badInputIsRefusedAndLeavesNothingBehind() throws SQLException {
        String before = footprint();
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELEC id FROM orders')", "syntax error");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT nope FROM orders')", "column \"nope\" does not exist");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT * FROM missing_table')",
                "relation \"missing_table\" does not exist");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT * FROM orders; DROP TABLE orders')",
                "must be exactly one SELECT, not several statements");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT 1')", "reads no table");
        assertRefused("SELECT pgtrickle.create_stream_table('orders', 'SELECT * FROM orders')", "already exists");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT * FROM orders', refresh_mode => 'SOMETIMES')",
                "invalid refresh_mode");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT * FROM orders', schedule => 'often')",
                "invalid schedule");
        assertRefused("SELECT pgtrickle.create_stream_table('a.b.c', 'SELECT * FROM orders')", "invalid stream table name");
        assertRefused("SELECT pgtrickle.create_stream_table('nosuchschema.s', 'SELECT * FROM orders')", "does not exist");
        exec("CREATE VIEW v_orders AS SELECT * FROM orders");
        assertRefused("SELECT pgtrickle.create_stream_table('s', 'SELECT * FROM v_orders')", "is not a permanent table");
        assertRefused("SELECT pgtrickle.drop_stream_table('nope')", "does not exist");
        assertEquals(before, footprint());
        assertTrue(one("SELECT to_regclass('public.s')") == null);
    }

    private static String footprint() throws SQLException {
        return one("SELECT (SELECT count(*) FROM pgtrickle.pgt_stream_tables) || '/' || "
                + "(SELECT count(*) FROM pgtrickle.pgt_sources) || '/' || "
                + "(SELECT count(*) FROM pg_tables WHERE schemaname = 'pgtrickle_changes') || '/' || "
                + "(SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt_cdc_%')");
    }

    private static void assertRefused(String sql, String expected) {
        SQLException e = assertThrows(SQLException.class, () -> exec(sql), sql);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    private static List<String> columns(String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                     + "WHERE attrelid = '" + schema + "." + table + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            while (rs.next()) {
                out.add(rs.getString(1) + ":" + rs.getString(2));
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
