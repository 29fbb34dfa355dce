package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated capture functions (V0_4_0_28): each source is captured by its own function
 * pgtrickle_changes.capture_&lt;oid&gt;() with static buffer INSERTs. It writes exactly the rows the generic
 * pgtrickle.capture_changes() of catalog 0.4.0.26 wrote, follows DDL on the source (also in a session whose plans
 * are cached), is what trigger_inventory() and rebuild_cdc_triggers() expect, cannot be used by another role or on
 * another table, goes with its source, and an upgrade moves existing sources to it while writers run.
 */
class CaptureFunctionsTest {
    private static String url;

    /** Column types a source may have, NULLs, names PL/pgSQL or a careless generator would trip over. */
    private static final String[] WRITES = {
        "CREATE TYPE k_mood AS ENUM ('sad', 'ok')",
        "CREATE DOMAIN k_pos AS int CHECK (VALUE > 0)",
        "CREATE TABLE %1$s (id int PRIMARY KEY, i2 smallint, i8 bigint, n numeric(12,3), f float8, t text, vc varchar(5), "
                + "b boolean, d date, ts timestamp, tz timestamptz, iv interval, u uuid, j jsonb, js json, by bytea, arr int[], "
                + "m k_mood, p k_pos, \"Mixed Case\" text, new int, tg_op text, \"q\"\"uote %%s $x$\" text)",
        "SELECT pgtrickle.create_stream_table('%1$s_st', 'SELECT id, t FROM %1$s')",
        "INSERT INTO %1$s VALUES (1, 1, 10000000000, 1.5, 0.1, 'a''b', 'vc', true, '2024-02-29', '2024-01-01 10:00:00.123456', "
                + "'2024-01-01 10:00+02', '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2.50]}', "
                + "'{ \"k\" : 1 }', '\\x00ff', '{1,NULL,3}', 'ok', 7, 'MC', 5, 'op', 'q'), "
                + "(2" + ", NULL".repeat(22) + "), (3, -1, -1, -0.001, 'NaN', '', '', false, 'infinity', '-infinity', 'infinity', '0', "
                + "NULL, 'null', '[]', '', '{}', 'sad', 1, '', -1, '', '')",
        "UPDATE %1$s SET t = 'changed', j = j || '{\"x\": 1}' WHERE id IN (1, 3)",
        "UPDATE %1$s SET id = id + 100 WHERE id = 2",
        "UPDATE %1$s SET t = t WHERE false",
        "DELETE FROM %1$s WHERE id = 3",
        "INSERT INTO %1$s (id, t, new) SELECT g, 'g' || g, g FROM generate_series(10, 14) g",
        "DELETE FROM %1$s WHERE id BETWEEN 11 AND 12",
        "TRUNCATE %1$s",
        "INSERT INTO %1$s (id, t) VALUES (20, 'after truncate')",
    };

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("capture_fn");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @Test
    void buffersHoldExactlyWhatTheGenericFunctionWrote() throws SQLException {
        String old = EmbeddedPg.freshDatabase("capture_fn_old");
        migrateTo(old, "0.4.0.26");
        for (String db : List.of(old, url)) {
            EmbeddedPg.exec(db, script("k_stmt", ""));
            EmbeddedPg.exec(db, script("k_row", "SET pgtrickle.cdc_trigger_mode = 'row'"));
        }
        assertEquals("pgtrickle.capture_changes,pgtrickle.capture_changes_row", EmbeddedPg.one(old, "SELECT string_agg(DISTINCT "
                + "tgfoid::regproc::text, ',') FROM pg_trigger WHERE tgname LIKE 'pgt\\_cdc\\_%'"));
        assertEquals("6", one("SELECT count(*) FROM pg_trigger t WHERE t.tgname LIKE 'pgt\\_cdc\\_%' AND t.tgrelid IN "
                + "('k_stmt'::regclass, 'k_row'::regclass) AND t.tgfoid = format('pgtrickle_changes.capture_%s()', t.tgrelid)::regprocedure"));
        assertEquals("0", one("SELECT count(*) FROM pg_constraint WHERE connamespace = 'pgtrickle_changes'::regnamespace "
                + "AND contype = 'p'"), "buffers without a primary key");
        for (String source : List.of("k_stmt", "k_row")) {
            String expected = rows(old, source, true);
            assertEquals(23, expected.split(";").length, expected);
            assertEquals(expected, rows(url, source, true), source);
        }
        exec("SELECT pgtrickle.drop_stream_table('k_stmt_st')", "SELECT pgtrickle.drop_stream_table('k_row_st')",
             "DROP TABLE k_stmt, k_row", "DROP DOMAIN k_pos", "DROP TYPE k_mood");
    }

    /** A writer whose session has compiled the function and cached its plans keeps writing across the DDL. */
    @Test
    void ddlOnUnusedColumnsKeepsWritesWorkingAlsoInASessionWithCachedPlans() throws SQLException {
        for (String mode : List.of("statement", "row")) {
            String src = "ddl_" + mode;
            exec("CREATE TABLE " + src + " (id int PRIMARY KEY, v int, spare text)",
                 "SET pgtrickle.cdc_trigger_mode = '" + mode + "'; SELECT pgtrickle.create_stream_table('" + src + "_st', "
                         + "'SELECT id, v FROM " + src + "')");
            try (Connection c = EmbeddedPg.connect(url); Statement w = c.createStatement()) {
                w.execute("INSERT INTO " + src + " VALUES (1, 1, 's1')");
                exec("ALTER TABLE " + src + " ADD COLUMN added int DEFAULT 5");
                w.execute("INSERT INTO " + src + " VALUES (2, 2, 's2', 6)");
                exec("ALTER TABLE " + src + " RENAME COLUMN spare TO \"Spare Two\"");
                w.execute("UPDATE " + src + " SET v = v + 10 WHERE id = 1");
                exec("ALTER TABLE " + src + " ALTER COLUMN added TYPE bigint");
                w.execute("UPDATE " + src + " SET added = added + 1 WHERE id = 2");
                exec("ALTER TABLE " + src + " DROP COLUMN \"Spare Two\"");
                w.execute("DELETE FROM " + src + " WHERE id = 2");
                w.execute("INSERT INTO " + src + " VALUES (3, 3)");
                w.execute("TRUNCATE " + src);
            }
            assertEquals("id integer, v integer, added bigint", one("SELECT string_agg(attname || ' ' || format_type(atttypid, "
                    + "atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'pgtrickle_changes." + buffer(src)
                    + "'::regclass AND attnum > 3 AND NOT attisdropped"), mode);
            assertEquals("+|1|1|NULL;+|2|2|6;-|1|1|5;+|1|11|5;-|2|2|6;+|2|2|7;-|2|2|7;+|3|3|5;T|1|11|5;T|3|3|5",
                    rows(url, src), mode);
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.trigger_inventory() WHERE source_table = 'public." + src
                    + "' AND NOT (present AND enabled)"), mode);
            exec("SELECT pgtrickle.drop_stream_table('" + src + "_st')", "DROP TABLE " + src);
        }
    }

    @Test
    void inventoryAndRebuildExpectTheSourcesOwnFunction() throws SQLException {
        exec("CREATE TABLE inv_src (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('inv_st', 'SELECT id, v FROM inv_src')");
        String fn = "pgtrickle_changes.capture_" + oid("inv_src") + "()";
        assertEquals("4|true", one("SELECT count(*) || '|' || bool_and(present AND enabled) FROM pgtrickle.trigger_inventory() "
                + "WHERE source_table = 'public.inv_src'"));
        // a trigger on another function (here the one of another source) is not capture of this source
        exec("CREATE TABLE inv_other (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('inv_other_st', 'SELECT id, v FROM inv_other')");
        exec("DROP TRIGGER pgt_cdc_upd ON inv_src",
             "CREATE TRIGGER pgt_cdc_upd AFTER UPDATE ON inv_src REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new "
                     + "FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes.capture_" + oid("inv_other") + "()");
        assertEquals("pgt_cdc_upd", one("SELECT string_agg(trigger_name, ',') FROM pgtrickle.trigger_inventory() "
                + "WHERE source_table = 'public.inv_src' AND NOT present"));
        String refused = assertThrows(SQLException.class, () -> exec("UPDATE inv_src SET v = 1")).getMessage();
        assertTrue(refused.contains("inv_src is not the source table this capture function belongs to"), refused);
        // the function dropped (its triggers with it): missing, and put back by a rebuild
        exec("DROP FUNCTION " + fn + " CASCADE");
        assertEquals("4", one("SELECT count(*) FROM pgtrickle.trigger_inventory() WHERE source_table = 'public.inv_src' AND NOT present"));
        assertEquals("public.inv_src", one("SELECT string_agg(source, ',') FROM pgtrickle.rebuild_cdc_triggers() WHERE rebuilt"));
        assertEquals("4|true", one("SELECT count(*) || '|' || bool_and(present AND enabled) FROM pgtrickle.trigger_inventory() "
                + "WHERE source_table = 'public.inv_src'"));
        exec("INSERT INTO inv_src VALUES (1, 1)", "UPDATE inv_src SET v = 2");
        assertEquals("+|1|1;-|1|1;+|1|2", rows(url, "inv_src"));
        exec("SELECT pgtrickle.drop_stream_table('inv_st')", "SELECT pgtrickle.drop_stream_table('inv_other_st')",
             "DROP TABLE inv_src, inv_other");
    }

    @Test
    void noOtherRoleCanAttachTheFunctionAndItRunsOnItsOwnSourceOnly() throws SQLException {
        exec("CREATE ROLE pgt_cf_mallory LOGIN PASSWORD 'mallory'", "GRANT CREATE ON SCHEMA public TO pgt_cf_mallory",
             "CREATE TABLE priv_src (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('priv_st', 'SELECT id, v FROM priv_src')");
        String fn = "pgtrickle_changes.capture_" + oid("priv_src") + "()";
        try {
            assertEquals("false|false", one("SELECT has_function_privilege('pgt_cf_mallory', '" + fn + "', 'EXECUTE') || '|' "
                    + "|| has_schema_privilege('pgt_cf_mallory', 'pgtrickle_changes', 'USAGE')"));
            try (Connection c = connectAs("pgt_cf_mallory"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE mine (id int PRIMARY KEY, v int)");
            }
            String steal = "CREATE TRIGGER steal AFTER INSERT ON mine "
                    + "REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION " + fn;
            assertTrue(refusedAs("pgt_cf_mallory", steal).contains("permission denied for schema pgtrickle_changes"));
            // even with the schema readable, EXECUTE is not PUBLIC's
            exec("GRANT USAGE ON SCHEMA pgtrickle_changes TO pgt_cf_mallory");
            String denied = refusedAs("pgt_cf_mallory", steal);
            assertTrue(denied.contains("permission denied for function " + fn.replace("()", "")), denied);
            // a trigger a superuser attaches to another table refuses to run: nothing reaches the buffer
            exec("CREATE TABLE stray (id int PRIMARY KEY, v int)", "CREATE TRIGGER stray AFTER INSERT ON stray "
                    + "REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION " + fn);
            String stray = assertThrows(SQLException.class, () -> exec("INSERT INTO stray VALUES (1, 1)")).getMessage();
            assertTrue(stray.contains("stray is not the source table this capture function belongs to"), stray);
            assertEquals("0", one("SELECT count(*) FROM pgtrickle_changes." + buffer("priv_src")));
            // the writer of the source needs no right on the buffer
            exec("GRANT INSERT ON priv_src TO pgt_cf_mallory");
            try (Connection c = connectAs("pgt_cf_mallory"); Statement s = c.createStatement()) {
                s.execute("INSERT INTO priv_src VALUES (1, 1)");
            }
            assertEquals("+|1|1", rows(url, "priv_src"));
        } finally {
            exec("DROP TABLE IF EXISTS stray", "DROP TABLE IF EXISTS mine", "REVOKE ALL ON SCHEMA pgtrickle_changes FROM pgt_cf_mallory",
                 "SELECT pgtrickle.drop_stream_table('priv_st')", "DROP TABLE priv_src",
                 "REASSIGN OWNED BY pgt_cf_mallory TO postgres", "DROP OWNED BY pgt_cf_mallory", "DROP ROLE pgt_cf_mallory");
        }
    }

    /**
     * The function has no search_path of its own (catalog 0.4.0.29) and runs as its owner: a writer who puts a schema
     * of his own (and pg_temp) before pg_catalog, with look-alike operators, functions, types and tables, runs none of
     * his code in it, and the buffer rows are right, in both trigger forms and after DDL has generated it again.
     */
    @Test
    void aWritersSearchPathRunsNoneOfHisCodeInTheFunction() throws SQLException {
        exec("CREATE ROLE pgt_cf_eve LOGIN PASSWORD 'eve'", "CREATE SCHEMA eve AUTHORIZATION pgt_cf_eve");
        try {
            List<String> sources = List.of("hs_stmt", "hs_row");
            for (String src : sources) {
                exec((src.equals("hs_row") ? "SET pgtrickle.cdc_trigger_mode = 'row'; " : "")
                        + "CREATE TABLE " + src + " (id int PRIMARY KEY, t text, o oid)",
                     "SELECT pgtrickle.create_stream_table('" + src + "_st', 'SELECT id, t FROM " + src + "')",
                     "GRANT INSERT, UPDATE, DELETE, TRUNCATE, SELECT ON " + src + " TO pgt_cf_eve");
                assertEquals("true|", one("SELECT prosecdef || '|' || coalesce(proconfig::text, '') FROM pg_proc WHERE oid = "
                        + "'pgtrickle_changes.capture_" + oid(src) + "()'::regprocedure"));
            }
            try (Connection c = connectAs("pgt_cf_eve"); Statement s = c.createStatement()) {
                s.execute(String.join(";\n", hostileSchema(buffer("hs_stmt"), buffer("hs_row"))));
                s.execute("SET search_path = eve, pg_temp, pg_catalog, public");
                // the traps work: his own query runs his operator and his type's check
                s.execute("SELECT 'a'::text = 'b'::text");
                assertEquals("=,text", oneOn(s, "SELECT string_agg(DISTINCT what, ',' ORDER BY what) FROM eve.calls"));
                s.execute("DELETE FROM eve.calls");
                for (String src : sources) {
                    s.execute("INSERT INTO " + src + " VALUES (1, 'a', 7), (2, NULL, NULL)");
                    s.execute("UPDATE " + src + " SET t = 'b' WHERE id = 1");
                    s.execute("DELETE FROM " + src + " WHERE id = 2");
                    exec("ALTER TABLE " + src + " ADD COLUMN extra int"); // the function generated again
                    s.execute("INSERT INTO " + src + " VALUES (3, 'c', 9, 3)");
                    s.execute("TRUNCATE " + src);
                }
                assertEquals("", oneOn(s, "SELECT coalesce(string_agg(who || ':' || what, ','), '') FROM eve.calls"));
            }
            for (String src : sources) {
                assertEquals("+|1|a|7|NULL;+|2|NULL|NULL|NULL;-|1|a|7|NULL;+|1|b|7|NULL;-|2|NULL|NULL|NULL;+|3|c|9|3;"
                        + "T|1|b|7|NULL;T|3|c|9|3", rows(url, src), src);
                exec("SELECT pgtrickle.drop_stream_table('" + src + "_st')", "DROP TABLE " + src);
            }
        } finally {
            exec("DROP SCHEMA eve CASCADE", "DROP OWNED BY pgt_cf_eve", "DROP ROLE pgt_cf_eve");
        }
    }

    /** Look-alikes of everything the capture function names, each logging its call into eve.calls. */
    private static List<String> hostileSchema(String... buffers) {
        String log = "BEGIN INSERT INTO eve.calls VALUES (current_user, '%s'); RETURN %s; END";
        List<String> sql = new java.util.ArrayList<>(List.of(
                "CREATE TABLE eve.calls (who text, what text)", "GRANT ALL ON eve.calls TO PUBLIC",
                "CREATE FUNCTION eve.trap(what text) RETURNS boolean LANGUAGE plpgsql AS $$ "
                        + String.format(log, "' || what || '", "true") + " $$",
                "CREATE FUNCTION eve.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ "
                        + String.format(log, "=", "$1 OPERATOR(pg_catalog.=) $2") + " $$",
                "CREATE OPERATOR eve.= (LEFTARG = text, RIGHTARG = text, FUNCTION = eve.eq)",
                "CREATE FUNCTION eve.ne(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ "
                        + String.format(log, "<>", "$1 OPERATOR(pg_catalog.<>) $2") + " $$",
                "CREATE OPERATOR eve.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = eve.ne)",
                "CREATE FUNCTION eve.ne(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$ "
                        + String.format(log, "<>oid", "$1 OPERATOR(pg_catalog.<>) $2") + " $$",
                "CREATE OPERATOR eve.<> (LEFTARG = oid, RIGHTARG = oid, FUNCTION = eve.ne)",
                "CREATE DOMAIN eve.oid AS pg_catalog.oid CHECK (eve.trap('oid'))",
                "CREATE DOMAIN eve.regclass AS pg_catalog.regclass CHECK (eve.trap('regclass'))",
                "CREATE DOMAIN eve.text AS pg_catalog.text CHECK (eve.trap('text'))",
                "CREATE FUNCTION eve.format(text, name, name) RETURNS text LANGUAGE plpgsql AS $$ "
                        + String.format(log, "format", "pg_catalog.format($1, $2, $3)") + " $$",
                "CREATE FUNCTION eve.txid_current() RETURNS bigint LANGUAGE plpgsql AS $$ "
                        + String.format(log, "txid_current", "1") + " $$",
                "CREATE FUNCTION eve.pg_current_xact_id() RETURNS xid8 LANGUAGE plpgsql AS $$ "
                        + String.format(log, "pg_current_xact_id", "'1'") + " $$",
                "CREATE FUNCTION eve.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $$ "
                        + String.format(log, "nextval", "1") + " $$",
                "CREATE TABLE eve.__pgt_new (id int, t text, o oid)", "CREATE TEMP TABLE __pgt_old (id int, t text, o oid)"));
        for (String b : buffers) {
            sql.add("CREATE TABLE eve." + b + " (x int)");
            sql.add("CREATE TEMP TABLE " + b + " (x int)");
        }
        return sql;
    }

    private static String oneOn(Statement s, String sql) throws SQLException {
        try (java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void theFunctionGoesWithItsSource() throws SQLException {
        exec("CREATE TABLE gone_a (id int PRIMARY KEY, v int)", "CREATE TABLE gone_b (id int PRIMARY KEY, v int)",
             "SELECT pgtrickle.create_stream_table('gone_a1', 'SELECT id, v FROM gone_a')",
             "SELECT pgtrickle.create_stream_table('gone_a2', 'SELECT id FROM gone_a')",
             "SELECT pgtrickle.create_stream_table('gone_b1', 'SELECT id, v FROM gone_b')");
        String a = "capture_" + oid("gone_a");
        String b = "capture_" + oid("gone_b");
        exec("SELECT pgtrickle.drop_stream_table('gone_a1')");
        assertEquals("1", functions(a), "still the source of gone_a2");
        exec("SELECT pgtrickle.drop_stream_table('gone_a2')");
        assertEquals("0", functions(a));
        exec("DROP TABLE gone_b CASCADE");
        assertEquals("0", functions(b));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name IN ('gone_a', 'gone_b')"));
        exec("DROP TABLE gone_a");
    }

    /**
     * Catalog 0.4.0.26 (generic functions) or 0.4.0.28 (generated ones with their own search_path) with writers
     * running, upgraded: every committed change is in a buffer once, every source on its own function, generated
     * without a search_path.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0.4.0.26", "0.4.0.28"})
    void anUpgradeMovesExistingSourcesWhileWritersRun(String from) throws Exception {
        String db = EmbeddedPg.freshDatabase("capture_fn_upgrade");
        migrateTo(db, from);
        EmbeddedPg.exec(db, "CREATE TABLE w_a (id int PRIMARY KEY, v int)", "CREATE TABLE w_b (id int PRIMARY KEY, v int)",
                "CREATE TABLE w_off (id int PRIMARY KEY, v int)",
                "SELECT pgtrickle.create_stream_table('w_a_st', 'SELECT id, v FROM w_a')",
                "SELECT pgtrickle.create_stream_table('w_off_st', 'SELECT id, v FROM w_off')",
                "ALTER TABLE w_off DISABLE TRIGGER pgt_cdc_upd", "DROP TRIGGER pgt_cdc_del ON w_off",
                "SET pgtrickle.cdc_trigger_mode = 'row'", "SELECT pgtrickle.create_stream_table('w_b_st', 'SELECT id, v FROM w_b')");
        List<String> tables = List.of("w_a", "w_b");
        try (SourceWriters writers = new SourceWriters(db, tables, 3)) {
            writers.awaitProgress(30);
            CatalogInstaller.install(db, "postgres", "postgres");
            writers.awaitProgress(30);
            writers.close();
            assertTrue(writers.errors().isEmpty(), "writers failed: " + writers.errors());
            for (String table : tables) {
                String buf = EmbeddedPg.one(db, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + table + "'");
                assertEquals(Long.toString(writers.bufferRows(table)), EmbeddedPg.one(db, "SELECT count(*) FROM pgtrickle_changes." + buf),
                        "buffer rows of " + table);
                assertEquals("0", EmbeddedPg.one(db, "SELECT count(*) FROM (SELECT id, v, sum(w) FROM (SELECT id, v, CASE __pgt_op "
                        + "WHEN '+' THEN 1 ELSE -1 END AS w FROM pgtrickle_changes." + buf + " UNION ALL SELECT id, v, -1 FROM " + table
                        + ") x GROUP BY id, v HAVING sum(w) <> 0) d"), "net changes of " + table);
            }
        }
        // each trigger on its source's own function, in its state; the generic functions gone
        assertEquals("w_a:pgt_cdc_del:O,w_a:pgt_cdc_ins:O,w_a:pgt_cdc_trunc:O,w_a:pgt_cdc_upd:O,w_b:pgt_cdc_row:O,"
                + "w_b:pgt_cdc_trunc:O,w_off:pgt_cdc_ins:O,w_off:pgt_cdc_trunc:O,w_off:pgt_cdc_upd:D",
                EmbeddedPg.one(db, "SELECT string_agg(t.tgrelid::regclass || ':' || t.tgname || ':' || t.tgenabled::text, ',' "
                        + "ORDER BY t.tgrelid::regclass::text, t.tgname) FROM pg_trigger t WHERE t.tgname LIKE 'pgt\\_cdc\\_%' "
                        + "AND t.tgfoid = format('pgtrickle_changes.capture_%s()', t.tgrelid)::regprocedure"));
        assertEquals("public.w_off:pgt_cdc_del:false,public.w_off:pgt_cdc_upd:true", EmbeddedPg.one(db, "SELECT string_agg(source_table "
                + "|| ':' || trigger_name || ':' || present, ',' ORDER BY trigger_name) FROM pgtrickle.trigger_inventory() "
                + "WHERE NOT (present AND enabled)"));
        assertEquals("0", EmbeddedPg.one(db, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgtrickle'::regnamespace "
                + "AND proname IN ('capture_changes', 'capture_changes_row', '_capture_target')"));
        assertEquals("3|0", EmbeddedPg.one(db, "SELECT count(*) || '|' || count(proconfig) FROM pg_proc "
                + "WHERE pronamespace = 'pgtrickle_changes'::regnamespace AND proname LIKE 'capture\\_%'"));
        // and the buffers lost their primary keys (0.4.0.29), their xid index kept
        assertEquals("0|3", EmbeddedPg.one(db, "SELECT count(*) FILTER (WHERE contype = 'p') || '|' || (SELECT count(*) "
                + "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'pgtrickle_changes'::regnamespace) "
                + "FROM pg_constraint WHERE connamespace = 'pgtrickle_changes'::regnamespace"));
    }

    private static String[] script(String table, String first) {
        String[] sql = new String[WRITES.length + 1];
        sql[0] = first.isEmpty() ? "SELECT 1" : first;
        for (int i = 0; i < WRITES.length; i++) {
            // the types are created once per database
            sql[i + 1] = i < 2 && table.equals("k_row") ? "SELECT 1" : String.format(WRITES[i], table);
        }
        return sql;
    }

    private static void migrateTo(String db, String version) {
        Flyway.configure(CatalogInstaller.class.getClassLoader()).dataSource(db, "postgres", "postgres")
                .schemas("pgtrickle").table("pgt_schema_history").locations("classpath:db/migration")
                .placeholderReplacement(false).target(version).load().migrate();
    }

    /**
     * The buffer's rows in order: op, then every source column as text (everything the source connector reads);
     * {@code withIds} puts each row's change id and its transaction's rank among the buffer's transactions first.
     */
    private static String rows(String db, String source, boolean withIds) throws SQLException {
        String buffer = EmbeddedPg.one(db, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
        String cols = EmbeddedPg.one(db, "SELECT string_agg(format('coalesce(b.%I::text, ''NULL'')', attname), ' || ''|'' || ' "
                + "ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'pgtrickle_changes." + buffer + "'::regclass AND attnum > 3 "
                + "AND NOT attisdropped");
        String ids = withIds ? "b.__pgt_change_id || '|' || dense_rank() OVER (ORDER BY b.__pgt_xid) || '|' || " : "";
        return EmbeddedPg.one(db, "SELECT string_agg(r, ';' ORDER BY id) FROM (SELECT b.__pgt_change_id AS id, " + ids
                + "b.__pgt_op::text || '|' || " + cols + " AS r FROM pgtrickle_changes." + buffer + " b) x");
    }

    private static String rows(String db, String source) throws SQLException {
        return rows(db, source, false);
    }

    private static String functions(String name) throws SQLException {
        return one("SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgtrickle_changes'::regnamespace AND proname = '" + name + "'");
    }

    private static String oid(String table) throws SQLException {
        return one("SELECT '" + table + "'::regclass::oid");
    }

    private static String buffer(String source) throws SQLException {
        return one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
    }

    private static Connection connectAs(String role) throws SQLException {
        // the URL names user postgres, which would win over the user given here
        return DriverManager.getConnection(url.replaceFirst("\\?user=[^&]*", ""), role, role.substring(role.lastIndexOf('_') + 1));
    }

    private static String refusedAs(String role, String sql) {
        return assertThrows(SQLException.class, () -> {
            try (Connection c = connectAs(role); Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }).getMessage();
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
