package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Typed change buffers (V0_4_0_8): a buffer holds the source's columns with their own types after Trickle's
 * own three, follows the source's columns through DDL so that rows buffered before the DDL read after it,
 * works in row mode too, and an upgrade converts jsonb buffers keeping their pending rows, order and xids.
 */
class TypedBuffersTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("typed");
        CatalogInstaller.install(url, "postgres", "postgres");
    }

    @Test
    void rowsBufferedBeforeSourceDdlReadAfterIt() throws SQLException {
        exec("CREATE TABLE t_src (id int PRIMARY KEY, used text, spare int, code text, doc json, gone numeric(10,2))",
             "SELECT pgtrickle.create_stream_table('t_st', 'SELECT id, used FROM t_src')");
        String buffer = buffer("t_src");
        assertEquals("__pgt_change_id bigint, __pgt_xid xid8, __pgt_op \"char\", id integer, used text, spare integer, "
                + "code text, doc json, gone numeric(10,2)", bufferColumns(buffer));

        exec("INSERT INTO t_src VALUES (1, 'a', 5, 'x', '{\"b\": 1,  \"a\":2}', 1.50), (2, 'b', 6, '12', '[]', 2)",
             "DELETE FROM t_src WHERE code = 'x'",
             "ALTER TABLE t_src ADD COLUMN added int DEFAULT 9",
             "ALTER TABLE t_src RENAME COLUMN spare TO spare2",
             "ALTER TABLE t_src ALTER COLUMN spare2 TYPE bigint",
             // the source's values all cast; a buffered one ('x', of a deleted row) does not: read as NULL
             "ALTER TABLE t_src ALTER COLUMN code TYPE int USING code::int",
             "ALTER TABLE t_src DROP COLUMN gone",
             "INSERT INTO t_src VALUES (3, 'c', 7, 13, '{}')");
        assertEquals("__pgt_change_id bigint, __pgt_xid xid8, __pgt_op \"char\", id integer, used text, spare2 bigint, "
                + "code integer, doc json, added integer", bufferColumns(buffer));
        // the buffer reads as the source: its columns by name, in the source's order, values as the source types them
        assertEquals(one("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't_src'::regclass "
                + "AND attnum > 0 AND NOT attisdropped"), one("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'pgtrickle_changes." + buffer + "'::regclass AND attnum > 3 AND NOT attisdropped"));
        assertEquals("+|1|a|5|NULL|{\"b\": 1,  \"a\":2}|NULL;+|2|b|6|NULL|[]|NULL;-|1|a|5|NULL|{\"b\": 1,  \"a\":2}|NULL;"
                + "+|3|c|7|13|{}|9", rows(buffer));
        assertEquals("{id,used,spare2,code,doc,added}|{1,2,3,4,5,7}", one("SELECT capture_columns::text || '|' "
                + "|| capture_attnums::text FROM pgtrickle.pgt_sources WHERE source_name = 't_src'"));
        exec("SELECT pgtrickle.drop_stream_table('t_st')", "DROP TABLE t_src");
    }

    @Test
    void aColumnDroppedWithItsTypeLeavesTheBufferAndTheCaptureGoesOn() throws SQLException {
        exec("CREATE DOMAIN shade AS text", "CREATE TABLE d_src (id int PRIMARY KEY, tint shade, v int)",
             "SELECT pgtrickle.create_stream_table('d_st', 'SELECT id, v FROM d_src')",
             "INSERT INTO d_src VALUES (1, 'red', 1)", "DROP DOMAIN shade CASCADE", "INSERT INTO d_src VALUES (2, 2)");
        assertEquals("+|1|1;+|2|2", rows(buffer("d_src")));
        assertEquals("{id,v}", one("SELECT capture_columns::text FROM pgtrickle.pgt_sources WHERE source_name = 'd_src'"));
        exec("SELECT pgtrickle.drop_stream_table('d_st')", "DROP TABLE d_src");
    }

    /** Without event triggers (a catalog installed by a role that is not a superuser) the owner syncs by hand. */
    @Test
    void withoutEventTriggersTheOwnerSyncsTheBuffer() throws SQLException {
        exec("CREATE TABLE s_src (id int PRIMARY KEY, gone text, v int)",
             "SELECT pgtrickle.create_stream_table('s_st', 'SELECT id, v FROM s_src')",
             "INSERT INTO s_src VALUES (1, 'x', 1)");
        try {
            exec("ALTER EVENT TRIGGER pgt_ddl_buffers DISABLE",
                 "ALTER TABLE s_src DROP COLUMN gone", "ALTER TABLE s_src ADD COLUMN added int DEFAULT 5");
            String stale = refused("INSERT INTO s_src VALUES (2, 2)");
            assertTrue(stale.contains("column \"gone\" does not exist"), stale);
            assertEquals("1", one("SELECT pgtrickle.sync_change_buffers()"));
            assertEquals("0", one("SELECT pgtrickle.sync_change_buffers()"));
        } finally {
            exec("ALTER EVENT TRIGGER pgt_ddl_buffers ENABLE");
        }
        exec("INSERT INTO s_src VALUES (2, 2)");
        assertEquals("+|1|1|NULL;+|2|2|5", rows(buffer("s_src")));
        exec("SELECT pgtrickle.drop_stream_table('s_st')", "DROP TABLE s_src");
    }

    @Test
    void rowModeWritesTypedRowsAndFollowsDdl() throws SQLException {
        exec("CREATE TABLE r_src (id int PRIMARY KEY, v numeric, j json)",
             "SET pgtrickle.cdc_trigger_mode = 'row'",
             "SELECT pgtrickle.create_stream_table('r_st', 'SELECT id, v FROM r_src')",
             "RESET pgtrickle.cdc_trigger_mode",
             "INSERT INTO r_src VALUES (1, 1.50, '{ \"k\" : 1 }')", "UPDATE r_src SET v = 2.0",
             "ALTER TABLE r_src ADD COLUMN w text", "UPDATE r_src SET w = 'z'", "DELETE FROM r_src", "TRUNCATE r_src");
        assertEquals("1", one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'r_src'::regclass AND tgname = 'pgt_cdc_row'"));
        assertEquals("+|1|1.50|{ \"k\" : 1 }|NULL;-|1|1.50|{ \"k\" : 1 }|NULL;+|1|2.0|{ \"k\" : 1 }|NULL;"
                + "-|1|2.0|{ \"k\" : 1 }|NULL;+|1|2.0|{ \"k\" : 1 }|z;-|1|2.0|{ \"k\" : 1 }|z", rows(buffer("r_src")));
        exec("SELECT pgtrickle.drop_stream_table('r_st')", "DROP TABLE r_src");
    }

    @Test
    void columnsNamedLikeTheBuffersOwnAreRefused() throws SQLException {
        exec("CREATE TABLE n_src (id int PRIMARY KEY, __pgt_op text)");
        String create = refused("SELECT pgtrickle.create_stream_table('n_st', 'SELECT id FROM n_src')");
        assertTrue(create.contains("column __pgt_op of source table public.n_src has a name reserved for Trickle's change buffers"),
                create);
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'n_st'"));
        exec("ALTER TABLE n_src RENAME COLUMN __pgt_op TO op",
             "SELECT pgtrickle.create_stream_table('n_st', 'SELECT id, op FROM n_src')");
        String add = refused("ALTER TABLE n_src ADD COLUMN __pgt_xid int");
        assertTrue(add.contains("column __pgt_xid of source table public.n_src has a name reserved"), add);
        exec("SELECT pgtrickle.drop_stream_table('n_st')", "DROP TABLE n_src");
    }

    /** An upgrade with changes in flight: each jsonb buffer becomes a typed one with the same rows, ids and xids. */
    @Test
    void upgradeConvertsJsonbBuffersWithTheirPendingRows() throws SQLException {
        String old = EmbeddedPg.freshDatabase("typed_upgrade");
        Flyway.configure(CatalogInstaller.class.getClassLoader()).dataSource(old, "postgres", "postgres")
                .schemas("pgtrickle").table("pgt_schema_history").locations("classpath:db/migration")
                .placeholderReplacement(false).target("0.4.0.7").load().migrate();
        EmbeddedPg.exec(old, "CREATE TABLE u_src (id int PRIMARY KEY, amount numeric(10,2), doc jsonb, gone int, note text)",
                "CREATE TABLE u_row (id int PRIMARY KEY, w int)",
                "SELECT pgtrickle.create_stream_table('u_st', 'SELECT id, amount FROM u_src')",
                "SET pgtrickle.cdc_trigger_mode = 'row'",
                "SELECT pgtrickle.create_stream_table('u_row_st', 'SELECT id, w FROM u_row')",
                "INSERT INTO u_src VALUES (1, 1.5, '{\"a\": [1, 2]}', 0, 'it''s'), (2, NULL, NULL, 0, NULL)",
                "UPDATE u_src SET amount = amount + 1 WHERE id = 1",
                "ALTER TABLE u_src DROP COLUMN gone",
                "INSERT INTO u_row VALUES (1, 1)", "UPDATE u_row SET w = 2", "DELETE FROM u_row");
        String expected = "SELECT string_agg(b.change_id || ':' || b.xid || ':' || b.op::text || ':' "
                + "|| jsonb_populate_record(NULL::%s, b.row_data)::text, '|' ORDER BY b.change_id) FROM pgtrickle_changes.%s b";
        String srcBuffer = EmbeddedPg.one(old, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'u_src'");
        String rowBuffer = EmbeddedPg.one(old, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'u_row'");
        String srcRows = EmbeddedPg.one(old, String.format(expected, "u_src", srcBuffer));
        String rowRows = EmbeddedPg.one(old, String.format(expected, "u_row", rowBuffer));
        assertEquals(4, srcRows.split("\\|").length);

        CatalogInstaller.install(old, "postgres", "postgres");

        String typed = "SELECT string_agg(b.__pgt_change_id || ':' || b.__pgt_xid || ':' || b.__pgt_op::text || ':' "
                + "|| ROW(%s)::text, '|' ORDER BY b.__pgt_change_id) FROM pgtrickle_changes.%s b";
        assertEquals(srcRows, EmbeddedPg.one(old, String.format(typed, "b.id, b.amount, b.doc, b.note", srcBuffer)));
        assertEquals(rowRows, EmbeddedPg.one(old, String.format(typed, "b.id, b.w", rowBuffer)));
        // capture goes on in each source's mode, after the copied rows
        EmbeddedPg.exec(old, "INSERT INTO u_src VALUES (3, 3, '[]', 'n')", "INSERT INTO u_row VALUES (2, 5)");
        // the new row comes after the copied ones
        assertEquals("5|+:3:3.00:[]:n", EmbeddedPg.one(old, "SELECT (SELECT count(*) FROM pgtrickle_changes." + srcBuffer + ") || '|' "
                + "|| __pgt_op::text || ':' || id || ':' || amount || ':' || doc || ':' || note FROM pgtrickle_changes." + srcBuffer
                + " ORDER BY __pgt_change_id DESC LIMIT 1"));
        assertEquals("+:2:5", EmbeddedPg.one(old, "SELECT __pgt_op::text || ':' || id || ':' || w FROM pgtrickle_changes." + rowBuffer
                + " ORDER BY __pgt_change_id DESC LIMIT 1"));
        assertEquals("1", EmbeddedPg.one(old, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'u_row'::regclass "
                + "AND tgname = 'pgt_cdc_row'"));
        assertEquals("0", EmbeddedPg.one(old, "SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace "
                + "AND relname LIKE '%\\_jsonb'"));
    }

    /** The buffer's rows as the connector reads them: op, then the columns after Trickle's own three. */
    private static String rows(String buffer) throws SQLException {
        String cols = one("SELECT string_agg(format('coalesce(b.%I::text, ''NULL'')', attname), ' || ''|'' || ' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'pgtrickle_changes." + buffer + "'::regclass AND attnum > 3 AND NOT attisdropped");
        return one("SELECT string_agg(b.__pgt_op::text || '|' || " + cols + ", ';' ORDER BY b.__pgt_change_id) FROM pgtrickle_changes."
                + buffer + " b");
    }

    private static String bufferColumns(String buffer) throws SQLException {
        return one("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'pgtrickle_changes." + buffer + "'::regclass AND attnum > 0 AND NOT attisdropped");
    }

    private static String buffer(String source) throws SQLException {
        return one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
    }

    private static String refused(String sql) {
        return assertThrows(SQLException.class, () -> exec(sql)).getMessage();
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
