package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * alter_stream_table(query => ...) and a change of refresh_mode on real PostgreSQL, as a user runs them from psql:
 * the stream table keeps its oid, grants, indexes and dependent views; its columns follow the new query; what
 * PostgreSQL refuses (a dependent view on a dropped or retyped column) and bad queries are refused with what to do,
 * leaving everything as it was; the catalog asks the pipeline for a new plan and a new fill.
 */
class AlterQuerySqlTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("alter_query");
        CatalogInstaller.install(url, "postgres", "postgres");
        EmbeddedPg.exec(url, "CREATE TABLE orders (id int PRIMARY KEY, customer text, amount int)",
                "INSERT INTO orders VALUES (1, 'a', 10), (2, 'b', 20)",
                "CREATE TABLE customers (name text PRIMARY KEY, region text)",
                "INSERT INTO customers VALUES ('a', 'north'), ('b', 'south')",
                "DROP ROLE IF EXISTS alter_reader", "CREATE ROLE alter_reader LOGIN",
                "DROP ROLE IF EXISTS alter_other", "CREATE ROLE alter_other LOGIN");
    }

    @Test
    void aNewQueryKeepsIdentityGrantsIndexesAndViews() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('big_orders', 'SELECT id, customer, amount FROM orders')",
             "CREATE INDEX big_orders_customer ON big_orders (customer)",
             "GRANT SELECT ON big_orders TO alter_reader",
             "CREATE VIEW big_orders_view AS SELECT id, customer FROM big_orders");
        String oid = oid("big_orders");
        String generation = one("SELECT plan_generation FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders'");
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true, "
             + "effective_mode = 'DIFFERENTIAL' WHERE pgt_name = 'big_orders'");

        // same columns
        String warning = warningOf("SELECT pgtrickle.alter_stream_table('big_orders', "
                + "query => 'SELECT id, customer, amount FROM orders WHERE amount > 15;')");
        assertTrue(warning.contains("is filled anew from its query at the next tick (new query: same columns)"), warning);
        assertEquals("SELECT id, customer, amount FROM orders WHERE amount > 15|INITIALIZING|true|false|",
                one("SELECT defining_query || '|' || status || '|' || needs_init || '|' || engine_ready || '|' "
                        + "|| coalesce(effective_mode, '') FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders'"));
        assertEquals(Long.parseLong(generation) + 1, Long.parseLong(one(
                "SELECT plan_generation FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders'")));

        // an added column, at the end of the table; the dependent view and the grant stay
        warning = warningOf("SELECT pgtrickle.alter_stream_table('big_orders', "
                + "query => 'SELECT o.id, o.customer, o.amount, c.region FROM orders o JOIN customers c ON c.name = o.customer')");
        assertTrue(warning.contains("column region added (text)"), warning);
        assertEquals("id integer, customer text, amount integer, region text", columns("big_orders"));
        assertEquals(oid, oid("big_orders"));
        assertEquals("true", one("SELECT has_table_privilege('alter_reader', 'big_orders', 'SELECT')::text"));
        assertEquals("0", one("SELECT count(*) FROM big_orders_view"));
        assertNotNull(one("SELECT to_regclass('big_orders_customer')"));
        assertEquals("customers,orders", one("SELECT string_agg(source_name, ',' ORDER BY source_name) "
                + "FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_sources s USING (source_relid) "
                + "WHERE d.pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders')"));

        // a dropped column a view uses: refused the way PostgreSQL refuses it, nothing changed
        SQLException e = refused("SELECT pgtrickle.alter_stream_table('big_orders', query => 'SELECT id, amount FROM orders')",
                "the new query drops column customer, and other objects depend on it");
        assertTrue(e.getMessage().contains("view public.big_orders_view depends on column customer"), e.getMessage());
        assertEquals("2BP01", e.getSQLState());
        assertEquals("id integer, customer text, amount integer, region text", columns("big_orders"));
        assertTrue(one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders'")
                .contains("JOIN customers"));

        // a changed type: in place where PostgreSQL can; the index on another column stays
        exec("SELECT pgtrickle.alter_stream_table('big_orders', query => "
                + "'SELECT o.id, o.customer, o.amount::numeric(12,2) AS amount, c.region FROM orders o "
                + "JOIN customers c ON c.name = o.customer')");
        assertEquals("id integer, customer text, amount numeric(12,2), region text", columns("big_orders"));
        assertNotNull(one("SELECT to_regclass('big_orders_customer')"));

        // a retyped column a view uses: refused with what to do
        exec("CREATE VIEW big_orders_amounts AS SELECT amount FROM big_orders");
        e = refused("SELECT pgtrickle.alter_stream_table('big_orders', query => "
                + "'SELECT o.id, o.customer, o.amount::bigint AS amount, c.region FROM orders o "
                + "JOIN customers c ON c.name = o.customer')",
                "changes the type of column amount from numeric(12,2) to bigint, which PostgreSQL cannot do in place");
        assertTrue(e.getMessage().contains("::numeric(12,2) AS amount"), e.getMessage());
        exec("DROP VIEW big_orders_amounts");

        // a dropped column nothing uses goes, with the user's index on it; customers is no longer captured
        exec("DROP VIEW big_orders_view", "CREATE VIEW big_orders_view AS SELECT id FROM big_orders",
             "SELECT pgtrickle.alter_stream_table('big_orders', query => 'SELECT id, amount FROM orders')");
        assertEquals("id integer, amount integer", columns("big_orders"));
        assertEquals(null, one("SELECT to_regclass('big_orders_customer')"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_name = 'customers'"));
        assertEquals(oid, oid("big_orders"));
        assertEquals("true", one("SELECT has_table_privilege('alter_reader', 'big_orders', 'SELECT')::text"));
        assertEquals("1", one("SELECT count(*) FROM pg_views WHERE schemaname = 'pgtrickle' AND viewname = 'public.big_orders'"),
                "one dependency view, under its old name");
        exec("DROP VIEW big_orders_view", "SELECT pgtrickle.drop_stream_table('big_orders')");
    }

    @Test
    void badQueriesAreRefusedAsAtCreateAndChangeNothing() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('alt_bad', 'SELECT id, amount FROM orders')",
             "CREATE TABLE secret (x int)", "REVOKE ALL ON secret FROM PUBLIC");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => 'SELECT 1; SELECT 2')",
                "must be exactly one SELECT, not several statements");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => 'DELETE FROM orders')",
                "invalid defining query for stream table public.alt_bad");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => "
                + "'WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d')", "invalid defining query");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => 'SELECT id FROM nowhere')",
                "relation \"nowhere\" does not exist");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => 'SELECT 1 AS one')", "reads no table");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => 'SELECT id FROM alt_bad')", "cannot read itself");
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', query => '  ')", "must not be empty");
        // cdc_mode switches the capture of its sources (CdcSwitchTest); a mode that does not exist is refused
        refused("SELECT pgtrickle.alter_stream_table('alt_bad', cdc_mode => 'logical')", "invalid cdc_mode 'logical'");

        // the owner's privileges count: alter_other owns it and may not read secret
        exec("GRANT SELECT ON orders TO alter_other", "GRANT CREATE ON SCHEMA public TO alter_other",
             "SET ROLE alter_other; SELECT pgtrickle.create_stream_table('alt_owned', 'SELECT id FROM orders'); RESET ROLE");
        SQLException e = refused("SET SESSION AUTHORIZATION alter_other; "
                + "SELECT pgtrickle.alter_stream_table('alt_owned', query => 'SELECT x AS id FROM secret')",
                "cannot alter stream table public.alt_owned: permission denied for table public.secret");
        assertEquals("42501", e.getSQLState());
        refused("SET SESSION AUTHORIZATION alter_reader; "
                + "SELECT pgtrickle.alter_stream_table('public.alt_owned', query => 'SELECT id FROM orders')",
                "permission denied to alter stream table public.alt_owned: must be its owner");
        refused("SET SESSION AUTHORIZATION alter_reader; "
                + "SELECT pgtrickle.alter_stream_table('public.alt_owned', refresh_mode => 'FULL')",
                "must be its owner");

        assertEquals("SELECT id, amount FROM orders|id integer, amount integer|0", one(
                "SELECT defining_query || '|' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), "
                + "', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = pgt_relid AND a.attnum > 0 "
                + "AND NOT a.attisdropped) || '|' || plan_generation FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_bad'"));
        exec("SELECT pgtrickle.drop_stream_table('alt_bad')", "SELECT pgtrickle.drop_stream_table('alt_owned')",
             "DROP TABLE secret", "REVOKE CREATE ON SCHEMA public FROM alter_other", "REVOKE SELECT ON orders FROM alter_other");
    }

    @Test
    void aModeChangeAsksForANewPlanAndFill() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('alt_mode', 'SELECT customer, sum(amount) AS total FROM orders "
                + "GROUP BY customer', refresh_mode => 'DIFFERENTIAL')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true, "
                + "effective_mode = 'DIFFERENTIAL' WHERE pgt_name = 'alt_mode'");
        String warning = warningOf("SELECT pgtrickle.alter_stream_table('alt_mode', refresh_mode => 'full')");
        assertTrue(warning.contains("refresh mode changed from DIFFERENTIAL to FULL"), warning);
        assertEquals("INITIALIZING|FULL|FULL|true|false", one("SELECT p.status || '|' || p.refresh_mode || '|' || p.requested_mode "
                + "|| '|' || s.needs_init || '|' || s.engine_ready FROM pgtrickle.pgt_status() p "
                + "JOIN pgtrickle.pgt_stream_tables s ON format('%I.%I', s.pgt_schema, s.pgt_name) = p.name "
                + "WHERE p.name = 'public.alt_mode'"));
        assertEquals("1", one("SELECT plan_generation FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_mode'"));
        // the same mode again: nothing to do, no refill
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false WHERE pgt_name = 'alt_mode'",
             "SELECT pgtrickle.alter_stream_table('alt_mode', refresh_mode => 'FULL')");
        assertEquals("ACTIVE|false", one("SELECT status || '|' || needs_init FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_name = 'alt_mode'"));
        // a stream table in ERROR comes back with its new mode
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = 'x' WHERE pgt_name = 'alt_mode'",
             "SELECT pgtrickle.alter_stream_table('alt_mode', refresh_mode => 'AUTO')");
        assertEquals("INITIALIZING|AUTO|", one("SELECT status || '|' || refresh_mode || '|' || coalesce(last_error, '') "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_mode'"));
        exec("SELECT pgtrickle.drop_stream_table('alt_mode')");
    }

    @Test
    void aStreamTableReadByAnotherKeepsWhatTheOtherUses() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('alt_up', 'SELECT id, customer, amount FROM orders')",
             "SELECT pgtrickle.create_stream_table('alt_down', 'SELECT customer, count(*) AS n FROM alt_up GROUP BY customer')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false WHERE pgt_name = 'alt_down'");
        refused("SELECT pgtrickle.alter_stream_table('alt_up', query => 'SELECT id, amount FROM orders')",
                "drops column customer, and other objects depend on it");
        refused("SELECT pgtrickle.alter_stream_table('alt_up', query => 'SELECT n AS id, customer, n AS amount FROM alt_down')",
                "would depend on itself");
        String generation = one("SELECT plan_generation::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_down'");
        exec("SELECT pgtrickle.alter_stream_table('alt_up', query => 'SELECT id, customer, amount, amount * 2 AS twice FROM orders')");
        assertEquals("true", one("SELECT needs_init::text FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_down'"),
                "the stream table over it is filled anew after it");
        // it reads alt_up's delta topic by alt_up's columns: planned again against the new ones (a new generation),
        // and filled only once that plan runs
        assertEquals((Long.parseLong(generation) + 1) + "|false", one("SELECT plan_generation || '|' || engine_ready "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_down'"));
        // an upstream in ERROR stops its readers with it; the alter that fixes it brings them back, as a refresh does
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = 'x' WHERE pgt_name = 'alt_up'");
        assertEquals("ERROR", one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_down'"));
        exec("SELECT pgtrickle.alter_stream_table('alt_up', query => 'SELECT id, customer, amount FROM orders')");
        assertEquals("INITIALIZING|true|false|", one("SELECT status || '|' || needs_init || '|' || engine_ready || '|' "
                + "|| coalesce(last_error, '') FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_down'"));
        exec("SELECT pgtrickle.drop_stream_table('alt_up', cascade => true)");
    }

    @Test
    void aNewQueryIsEvaluatedUnderTheAlteringSessionsTimeZoneAsAtCreate() throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'America/New_York'");
            s.execute("SELECT pgtrickle.create_stream_table('alt_zone', 'SELECT id, amount FROM orders')");
            s.execute("SET TimeZone = 'Asia/Kolkata'");
            s.execute("SELECT pgtrickle.alter_stream_table('alt_zone', query => 'SELECT id, amount FROM orders WHERE amount > 5')");
        }
        assertEquals("Asia/Kolkata", one("SELECT timezone FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_zone'"),
                "the new query is planned under the zone of the session that altered it, as search_path is");
        exec("SELECT pgtrickle.drop_stream_table('alt_zone')");
    }

    private static String oid(String table) throws SQLException {
        return one("SELECT '" + table + "'::regclass::oid::text");
    }

    private static String columns(String table) throws SQLException {
        return one("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = '" + table + "'::regclass AND attnum > 0 AND NOT attisdropped");
    }

    /** The warnings a statement raised, joined. */
    private static String warningOf(String sql) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute(sql);
            StringBuilder out = new StringBuilder();
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                out.append(w.getMessage()).append('\n');
            }
            return out.toString();
        }
    }

    private static SQLException refused(String sql, String expected) {
        SQLException e = assertThrows(SQLException.class, () -> exec(sql), sql);
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
        return e;
    }

    private static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    private static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
