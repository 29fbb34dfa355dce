package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DDL on the sources of stream tables, the way PostgreSQL treats a view over them: what would break a stream
 * table is refused naming it, CASCADE drops exactly the stream tables concerned (and the capture of a source
 * that goes), renames are followed, and what a stream table does not use is absorbed.
 */
class SourceDdlTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("ddl");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @Test
    void whatAStreamTableUsesIsRefusedNamingIt() throws SQLException {
        exec("CREATE TABLE r_src (id int PRIMARY KEY, used text, unused int)",
             "SELECT pgtrickle.create_stream_table('r_st', 'SELECT id, used FROM r_src')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        // named by Trickle's ddl_command_start trigger (catalog 0.4.0.26; SourceDdlRefusalTest has the variants)
        String dropColumn = refused("ALTER TABLE r_src DROP COLUMN used");
        assertTrue(dropColumn.contains("cannot drop column used of table r_src because stream table public.r_st reads it"),
                dropColumn);
        String alterType = refused("ALTER TABLE r_src ALTER COLUMN used TYPE varchar(10)");
        assertTrue(alterType.contains("cannot alter type of column used of table r_src because stream table public.r_st "
                + "reads it"), alterType);
        String dropTable = refused("DROP TABLE r_src");
        assertTrue(dropTable.contains("cannot drop table r_src because stream table public.r_st reads it"), dropTable);

        // absorbed: ADD COLUMN, DROP and ALTER TYPE of a column the stream table does not read
        exec("ALTER TABLE r_src ADD COLUMN added int", "ALTER TABLE r_src ALTER COLUMN unused TYPE bigint",
             "ALTER TABLE r_src DROP COLUMN unused", "INSERT INTO r_src VALUES (1, 'a', 7)", "UPDATE r_src SET used = 'b'",
             "DELETE FROM r_src", "INSERT INTO r_src VALUES (2, 'c', 8)", "TRUNCATE r_src");
        assertEquals("SELECT id, used FROM r_src|ACTIVE|false|true", one("SELECT defining_query || '|' || status || '|' "
                + "|| needs_init || '|' || engine_ready FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'r_st'"));
        assertEquals("+{\"id\": 1, \"used\": \"a\", \"added\": 7}|-{\"id\": 1, \"used\": \"a\", \"added\": 7}|"
                + "+{\"id\": 1, \"used\": \"b\", \"added\": 7}|-{\"id\": 1, \"used\": \"b\", \"added\": 7}|"
                + "+{\"id\": 2, \"used\": \"c\", \"added\": 8}|T{\"id\": 2, \"used\": \"c\", \"added\": 8}",
                one("SELECT string_agg(__pgt_op::text || (to_jsonb(b) - '{__pgt_change_id,__pgt_xid,__pgt_op}'::text[])::text, '|' ORDER BY __pgt_change_id) "
                        + "FROM pgtrickle_changes." + buffer("r_src") + " b"));
        exec("SELECT pgtrickle.drop_stream_table('r_st')", "DROP TABLE r_src");
    }

    @Test
    void cascadeDropsExactlyTheStreamTablesConcerned() throws SQLException {
        exec("CREATE TABLE c_src (id int PRIMARY KEY, a int, b int)", "CREATE TABLE c_other (id int PRIMARY KEY)",
             "SELECT pgtrickle.create_stream_table('c_uses_b', 'SELECT id, b FROM c_src')",
             "SELECT pgtrickle.create_stream_table('c_uses_a', 'SELECT id, a FROM c_src')",
             "SELECT pgtrickle.create_stream_table('c_downstream', 'SELECT id FROM c_uses_b')",
             "SELECT pgtrickle.create_stream_table('c_elsewhere', 'SELECT id FROM c_other')");
        String buffer = buffer("c_src");

        // the column goes with the stream table that reads it, and the one that reads that stream table
        exec("ALTER TABLE c_src DROP COLUMN b CASCADE");
        assertEquals("c_elsewhere,c_uses_a", streamTables());
        assertNull(one("SELECT to_regclass('c_uses_b')"));
        assertNull(one("SELECT to_regclass('c_downstream')"));
        assertEquals("1", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name = 'c_src'"), "still read by c_uses_a");

        // the table goes with every stream table over it, and its capture with it
        exec("DROP TABLE c_src CASCADE");
        assertEquals("c_elsewhere", streamTables());
        assertNull(one("SELECT to_regclass('c_uses_a')"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name = 'c_src'"));
        assertNull(one("SELECT to_regclass('pgtrickle_changes." + buffer + "')"));
        assertEquals("0", one("SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle'::regnamespace "
                + "AND relkind = 'v' AND relname LIKE 'public.c\\_uses%'"));

        // a stream table's own table dropped by hand: the catalog forgets it, the others go on
        exec("DROP TABLE c_elsewhere");
        assertEquals("", streamTables());
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources"));
        exec("DROP TABLE c_other");
    }

    @Test
    void renamesAreFollowedLikeAViewFollowsThem() throws SQLException {
        exec("CREATE TABLE n_src (id int PRIMARY KEY, amount int, extra int)",
             "INSERT INTO n_src VALUES (1, 10, 0), (2, 20, 0)",
             "SELECT pgtrickle.create_stream_table('n_st', 'SELECT id, amount * 2 AS doubled FROM n_src WHERE amount > 5')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        String before = storedResult("n_st");

        exec("ALTER TABLE n_src RENAME COLUMN amount TO total");
        // the user's text with the new name, as long as that means exactly what the dependency view means
        assertEquals("SELECT id, total * 2 AS doubled FROM n_src WHERE total > 5",
                one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'n_st'"));
        assertEquals("true|false", one("SELECT needs_init || '|' || engine_ready FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_name = 'n_st'"), "planned and filled anew");
        assertEquals(before, storedResult("n_st"));

        exec("UPDATE pgtrickle.pgt_stream_tables SET needs_init = false, engine_ready = true",
             "ALTER TABLE n_src RENAME TO n_renamed");
        assertEquals("SELECT id, total * 2 AS doubled FROM n_renamed WHERE total > 5",
                one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'n_st'"));
        assertEquals("public.n_renamed", one("SELECT source_schema || '.' || source_name FROM pgtrickle.pgt_sources"),
                "the change topic is named after the table");
        assertEquals(before, storedResult("n_st"));

        // where putting the new name in is not enough, PostgreSQL's rendering of the view
        exec("CREATE SCHEMA n_schema", "ALTER TABLE n_renamed SET SCHEMA n_schema");
        assertTrue(one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'n_st'")
                .contains("FROM n_schema.n_renamed"));
        exec("ALTER SCHEMA n_schema RENAME TO n_moved");
        assertTrue(one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'n_st'")
                .contains("FROM n_moved.n_renamed"));
        assertEquals("n_moved.n_renamed", one("SELECT source_schema || '.' || source_name FROM pgtrickle.pgt_sources"));
        assertEquals(before, storedResult("n_st"));

        // a column the query does not read: nothing to do
        exec("UPDATE pgtrickle.pgt_stream_tables SET needs_init = false, engine_ready = true",
             "ALTER TABLE n_moved.n_renamed RENAME COLUMN extra TO spare");
        assertEquals("false|true", one("SELECT needs_init || '|' || engine_ready FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_name = 'n_st'"));
        exec("DROP SCHEMA n_moved CASCADE");
        assertEquals("", streamTables());
    }

    @Test
    void aLiteralThatLooksLikeTheOldNameKeepsItsValue() throws SQLException {
        exec("CREATE TABLE l_src (id int PRIMARY KEY, amount int, label text)",
             "INSERT INTO l_src VALUES (1, 5, 'amount'), (2, 6, 'other')",
             "SELECT pgtrickle.create_stream_table('l_st', 'SELECT id, amount FROM l_src WHERE label <> ''amount''')",
             "ALTER TABLE l_src RENAME COLUMN amount TO total");
        String query = one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'l_st'");
        assertTrue(query.contains("'amount'::text") && query.contains("l_src.total AS amount"), query);
        assertEquals("(2,6)", storedResult("l_st"));
        exec("DROP TABLE l_src CASCADE");
    }

    @Test
    void selectStarKeepsTheColumnsItWasCreatedWith() throws SQLException {
        exec("CREATE TABLE s_src (id int PRIMARY KEY, v text)", "INSERT INTO s_src VALUES (1, 'x')",
             "SELECT pgtrickle.create_stream_table('s_star', 'SELECT * FROM s_src')",
             "ALTER TABLE s_src ADD COLUMN w int");
        String query = one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 's_star'");
        assertEquals("id,v", one("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 's_star'::regclass AND attnum > 0"));
        assertEquals("1|x", one("SELECT id || '|' || v FROM (" + query + "\n) q"), query);
        assertTrue(!query.contains("*") && !query.contains(" w"), query);
        exec("DROP TABLE s_src CASCADE");
        assertEquals("", streamTables());
    }

    private static String storedResult(String name) throws SQLException {
        String query = one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'");
        return one("SELECT string_agg(q::text, ',' ORDER BY q::text) FROM (" + query + "\n) q");
    }

    private static String buffer(String source) throws SQLException {
        return one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
    }

    private static String streamTables() throws SQLException {
        return one("SELECT coalesce(string_agg(pgt_name, ',' ORDER BY pgt_name), '') FROM pgtrickle.pgt_stream_tables");
    }

    private static String refused(String sql) {
        return assertThrows(SQLException.class, () -> exec(sql), sql).getMessage();
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
