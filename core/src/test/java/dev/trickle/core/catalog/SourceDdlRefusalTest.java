package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Catalog 0.4.0.26 on real PostgreSQL: DROP COLUMN and ALTER COLUMN TYPE of a column a stream table reads, and
 * DROP TABLE of a table one reads, are refused naming the stream tables and what to do (not the internal
 * dependency view), with PostgreSQL's SQLSTATEs, in every spelling of the statement; what PostgreSQL accepts
 * (unused columns, CASCADE) still passes, and nothing is changed by a refused statement.
 */
class SourceDdlRefusalTest {
    private static final String OWNER = "pgt_test_ddl_owner";
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("ddlrefusal");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE SCHEMA shop",
             "CREATE TABLE shop.orders (id int PRIMARY KEY, \"Amount Due\" numeric(10,2), note text, spare int)",
             "CREATE TABLE shop.other (id int PRIMARY KEY)",
             "SELECT pgtrickle.create_stream_table('shop.dues', 'SELECT id, \"Amount Due\" FROM shop.orders')",
             "SELECT pgtrickle.create_stream_table('public.notes', 'SELECT id, note FROM shop.orders')",
             // a name too long for the dependency view's "<schema>.<name>": the view is st_<oid>
             "SELECT pgtrickle.create_stream_table('a_stream_table_with_a_name_too_long_for_its_view_name_xyz',"
                     + " 'SELECT id, note FROM shop.orders WHERE id > 0')");
    }

    @Test
    void droppingAUsedColumnNamesTheStreamTables() throws SQLException {
        String before = columns();
        String one = refused("ALTER TABLE shop.orders DROP COLUMN \"Amount Due\"");
        assertTrue(one.contains("ERROR: cannot drop column \"Amount Due\" of table shop.orders because stream table "
                + "shop.dues reads it"), one);
        assertTrue(one.contains("pgtrickle.alter_stream_table") && one.contains("pgtrickle.drop_stream_table")
                && one.contains("CASCADE drops the stream tables with the column"), one);
        assertEquals("2BP01", sqlState("ALTER TABLE shop.orders DROP COLUMN \"Amount Due\""));

        // several stream tables; without the COLUMN keyword, IF EXISTS, a search_path, comments and other actions
        String many = assertThrows(SQLException.class, () -> exec("SET search_path = shop, public",
                "/* a comment */ ALTER TABLE IF EXISTS ONLY orders ADD COLUMN added numeric(12,2), "
                        + "DROP IF EXISTS note RESTRICT -- trailing")).getMessage();
        assertTrue(many.contains("cannot drop column note of table orders because stream tables "
                + "public.a_stream_table_with_a_name_too_long_for_its_view_name_xyz, public.notes read it"), many);
        assertEquals(before, columns(), "a refused statement changes nothing");

        // what PostgreSQL accepts is accepted: an unused column, a constraint, CASCADE
        exec("ALTER TABLE shop.orders DROP COLUMN spare, ADD CONSTRAINT positive CHECK (id > 0)",
             "ALTER TABLE shop.orders DROP CONSTRAINT positive", "ALTER TABLE shop.orders ADD COLUMN spare int");
    }

    @Test
    void changingTheTypeOfAUsedColumnNamesTheStreamTable() throws SQLException {
        String message = refused("ALTER TABLE shop.orders ALTER spare TYPE bigint, "
                + "ALTER COLUMN \"Amount Due\" SET DATA TYPE numeric(12,2) USING \"Amount Due\" * 1");
        assertTrue(message.contains("cannot alter type of column \"Amount Due\" of table shop.orders because stream "
                + "table shop.dues reads it"), message);
        assertTrue(message.contains("alter the column, then create the stream table again"), message);
        assertEquals("0A000", sqlState("ALTER TABLE shop.orders ALTER COLUMN note TYPE varchar(20)"));
        assertEquals("integer", one("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'shop.orders'::regclass AND attname = 'spare'"));
        exec("ALTER TABLE shop.orders ALTER COLUMN spare TYPE bigint", "ALTER TABLE shop.orders ALTER COLUMN spare TYPE int");
    }

    @Test
    void droppingASourceNamesTheStreamTables() throws SQLException {
        String message = refused("DROP TABLE IF EXISTS shop.other, shop.orders");
        assertTrue(message.contains("cannot drop table shop.orders because stream tables "
                + "public.a_stream_table_with_a_name_too_long_for_its_view_name_xyz, public.notes, shop.dues read it"),
                message);
        assertTrue(message.contains("DROP TABLE ... CASCADE drops the stream tables with the table"), message);
        assertEquals("1", one("SELECT count(*) FROM pg_class WHERE oid = 'shop.other'::regclass"));

        // DDL run inside a DO block or a function is still refused, by PostgreSQL itself
        assertTrue(refused("DO $$BEGIN DROP TABLE shop.orders; END$$").contains("depend"));
    }

    @Test
    void aStatementTheTriggerCannotReadGetsPostgresOwnAnswer() throws SQLException {
        // names to_regclass refuses: the trigger's reading must not put its own error in place of PostgreSQL's
        String dotted = refused("DROP TABLE IF EXISTS a.b.c.d");
        assertTrue(dotted.contains("too many dotted names"), dotted);
        String crossDb = refused("ALTER TABLE nodb.shop.orders DROP COLUMN note");
        assertTrue(crossDb.contains("cross-database references"), crossDb);
        exec("DROP TABLE IF EXISTS shop.no_such_table, \"Odd \"\"name\"\"\"", "ALTER TABLE IF EXISTS nobody ADD COLUMN x int");
    }

    @Test
    void theOwnerOfASourceWhoIsNoSuperuserGetsTheSameMessage() throws SQLException {
        exec("CREATE ROLE " + OWNER + " LOGIN PASSWORD 'owner'", "CREATE TABLE owned (id int PRIMARY KEY, v int)",
             "ALTER TABLE owned OWNER TO " + OWNER, "SELECT pgtrickle.create_stream_table('owned_st', 'SELECT id, v FROM owned')");
        try (Connection c = DriverManager.getConnection(url.replaceFirst("\\?user=[^&]*", ""), OWNER, "owner");
             Statement s = c.createStatement()) {
            String message = assertThrows(SQLException.class, () -> s.execute("ALTER TABLE owned DROP COLUMN v")).getMessage();
            assertTrue(message.contains("cannot drop column v of table owned because stream table public.owned_st reads it"),
                    message);
            s.execute("ALTER TABLE owned ADD COLUMN w int");
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('owned_st')", "DROP TABLE owned", "DROP ROLE " + OWNER);
        }
    }

    private static String columns() throws SQLException {
        return one("SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'shop.orders'::regclass AND attnum > 0 AND NOT attisdropped");
    }

    private static String sqlState(String sql) {
        return assertThrows(SQLException.class, () -> exec(sql), sql).getSQLState();
    }

    private static String refused(String sql) {
        return assertThrows(SQLException.class, () -> exec(sql), sql).getMessage();
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
