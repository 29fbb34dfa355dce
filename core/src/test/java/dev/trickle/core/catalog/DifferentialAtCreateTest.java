package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Catalogs 0.4.0.26 and 0.4.0.27 on real PostgreSQL: refresh_mode => 'DIFFERENTIAL' for a query with a construct the
 * engine cannot maintain (a volatile or time-of-evaluation function, a function or operator that is not PostgreSQL's
 * own, a built-in or operator the engine's build does not list as implemented, a VALUES list, LATERAL)
 * is refused by create_stream_table and alter_stream_table in their own transaction, naming the construct as the
 * engine does, and leaves nothing behind; AUTO and FULL accept the same queries.
 */
class DifferentialAtCreateTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("differential");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE items (id int PRIMARY KEY, price int, at timestamptz, d date, u uuid, u2 uuid, span interval)",
             "CREATE FUNCTION twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2'",
             "CREATE FUNCTION public.upper(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1'",
             "CREATE FUNCTION add_one(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 + $2 + 1'",
             "CREATE OPERATOR ## (LEFTARG = int, RIGHTARG = int, FUNCTION = add_one)");
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiterString = " => ", value = {
        "SELECT id, random() AS r FROM items => random() is not maintained incrementally yet (its value changes between evaluations)",
        "SELECT id FROM items WHERE at < clock_timestamp() => clock_timestamp() is not maintained incrementally yet",
        "SELECT id, gen_random_uuid() AS u FROM items => gen_random_uuid() is not maintained incrementally yet",
        "SELECT id FROM items WHERE at < now() => now() is not maintained incrementally yet (its value changes between evaluations)",
        "SELECT id FROM items WHERE d = current_date => current_date is not maintained incrementally yet",
        "SELECT id, CURRENT_TIMESTAMP AS t FROM items => current_timestamp is not maintained incrementally yet",
        "SELECT id, twice(price) AS p FROM items => function public.twice() is not maintained incrementally yet"
                + " (the engine knows PostgreSQL's built-in functions and operators only)",
        "SELECT id, upper(price) AS p FROM items => function public.upper() is not maintained incrementally yet",
        "SELECT id, price ## id AS p FROM items => operator public.##(integer,integer) is not maintained incrementally yet",
        // catalog 0.4.0.27: what the engine's build lists as implemented (R__engine_support.sql) decides the rest
        "SELECT id, md5(price::text) AS h FROM items => function md5(text) is not maintained incrementally yet"
                + " (the engine does not implement it)",
        "SELECT id FROM items WHERE u = u2 => operator =(uuid,uuid) is not maintained incrementally yet",
        "SELECT id, at - at AS age FROM items => operator -(timestamp with time zone,timestamp with time zone)"
                + " is not maintained incrementally yet",
        "SELECT id, span FROM items WHERE span > interval '1 day' => operator >(interval,interval)",
        "SELECT i.id, v.x FROM items i JOIN (VALUES (1), (2)) v(x) ON v.x = i.id => a VALUES list is not maintained",
        "SELECT i.id, l.n FROM items i, LATERAL (SELECT count(*) AS n FROM items j WHERE j.price < i.price) l"
                + " => LATERAL is not maintained incrementally yet"})
    void createRefusesWhatTheEngineCannotMaintain(String query, String construct) throws SQLException {
        String before = footprint();
        String message = refused("SELECT pgtrickle.create_stream_table('st', '" + query.replace("'", "''")
                + "', refresh_mode => 'DIFFERENTIAL')");
        assertTrue(message.contains("cannot create stream table public.st with refresh_mode DIFFERENTIAL: " + construct),
                message);
        assertTrue(message.contains("use refresh_mode => 'FULL' (or 'AUTO')"), message);
        assertEquals(before, footprint(), "a refused create leaves nothing behind");

        // AUTO (which falls back to FULL) and FULL take the same query
        for (String mode : new String[] {"AUTO", "FULL"}) {
            exec("SELECT pgtrickle.create_stream_table('st', '" + query.replace("'", "''") + "', refresh_mode => '"
                    + mode + "')", "SELECT pgtrickle.drop_stream_table('st')");
        }
    }

    @Test
    void whatTheEngineMaintainsIsAccepted() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('ok', 'SELECT d, count(*) AS n, sum(price) AS s, max(at) AS last "
                + "FROM items WHERE price > 0 AND at >= ''2024-01-01'' GROUP BY d', refresh_mode => 'DIFFERENTIAL')");
        assertEquals("DIFFERENTIAL", one("SELECT refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'ok'"));
        // built-ins, casts, operators and SQL-standard spellings the engine implements, interval literals included
        exec("SELECT pgtrickle.create_stream_table('ok2', 'SELECT id, upper(d::text) AS du, round(price::numeric / 3, 2) "
                + "AS r, at AT TIME ZONE ''UTC'' AS utc, extract(year FROM at) AS y, coalesce(price, 0) || ''x'' AS px, "
                + "substring(d::text FROM 1 FOR 4) AS yy, date_trunc(''month'', at) AS m, at + interval ''1 day'' AS next "
                + "FROM items WHERE id IN (1, 2, 3) AND price BETWEEN 1 AND 5 AND d::text LIKE ''2024%''', "
                + "refresh_mode => 'DIFFERENTIAL')",
             "SELECT pgtrickle.drop_stream_table('ok')", "SELECT pgtrickle.drop_stream_table('ok2')");
    }

    @Test
    void aStreamTableOverAFullOneIsRefusedDifferentialAndTakenUnderAuto() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('up_full', 'SELECT d, max(price) AS top FROM items GROUP BY d', "
                + "refresh_mode => 'FULL')");
        String before = footprint();
        String message = refused("SELECT pgtrickle.create_stream_table('down', 'SELECT d, top FROM up_full WHERE top > 1', "
                + "refresh_mode => 'DIFFERENTIAL')");
        assertTrue(message.contains("cannot create stream table public.down with refresh_mode DIFFERENTIAL: it reads "
                + "stream table \"public\".\"up_full\", which is refreshed in FULL mode"), message);
        assertEquals(before, footprint(), "a refused create leaves nothing behind");
        exec("SELECT pgtrickle.create_stream_table('down', 'SELECT d, top FROM up_full WHERE top > 1')",
             "SELECT pgtrickle.drop_stream_table('down')", "SELECT pgtrickle.drop_stream_table('up_full')");
    }

    @Test
    void alterRefusesANewQueryOrModeTheEngineCannotMaintain() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('alt', 'SELECT id, price FROM items', refresh_mode => 'DIFFERENTIAL')");
        String query = one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt'");
        String message = refused("SELECT pgtrickle.alter_stream_table('alt', query => "
                + "'SELECT id, price + (random() * 0)::int AS price FROM items')");
        assertTrue(message.contains("cannot alter stream table public.alt with refresh_mode DIFFERENTIAL: random() is not "
                + "maintained incrementally yet"), message);
        assertEquals(query, one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt'"));

        // a FULL stream table with such a query may not become DIFFERENTIAL either; the schedule alone still changes
        exec("SELECT pgtrickle.create_stream_table('alt_full', 'SELECT id FROM items WHERE at < now()', refresh_mode => 'FULL')");
        message = refused("SELECT pgtrickle.alter_stream_table('alt_full', refresh_mode => 'DIFFERENTIAL')");
        assertTrue(message.contains("cannot alter stream table public.alt_full with refresh_mode DIFFERENTIAL: now()"), message);
        assertEquals("FULL", one("SELECT refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'alt_full'"));
        exec("SELECT pgtrickle.alter_stream_table('alt_full', schedule => '5s')",
             "SELECT pgtrickle.alter_stream_table('alt', refresh_mode => 'AUTO', "
                     + "query => 'SELECT id, price + (random() * 0)::int AS price FROM items')",
             "SELECT pgtrickle.drop_stream_table('alt')", "SELECT pgtrickle.drop_stream_table('alt_full')");
    }

    private static String footprint() throws SQLException {
        return one("SELECT (SELECT count(*) FROM pgtrickle.pgt_stream_tables) || '/' || "
                + "(SELECT count(*) FROM pgtrickle.pgt_sources) || '/' || "
                + "(SELECT count(*) FROM pg_class WHERE relnamespace IN ('pgtrickle'::regnamespace, "
                + "'pgtrickle_changes'::regnamespace, 'public'::regnamespace))");
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
