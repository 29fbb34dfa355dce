package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stream tables over stream tables in the catalog: dependencies, no capture, cycles, drop, refresh, ERROR. */
class StreamTableChainsCatalogTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("chains");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE base (id int PRIMARY KEY, grp int, v int)");
    }

    @Test
    void aDownstreamRecordsItsUpstreamAndCapturesNothingOnItsStorage() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('up1', 'SELECT grp, sum(v) AS total FROM base GROUP BY grp')",
             "SELECT pgtrickle.create_stream_table('down1', 'SELECT grp, total FROM up1 WHERE total > 0')");
        assertEquals("0", one("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'up1'::regclass AND tgname LIKE 'pgt\\_cdc\\_%'"));
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_relid = 'up1'::regclass"));
        assertEquals("public.up1", one("SELECT format('%I.%I', u.pgt_schema, u.pgt_name) FROM pgtrickle.pgt_dependencies d "
                + "JOIN pgtrickle.pgt_stream_tables u ON u.pgt_id = d.upstream_id "
                + "JOIN pgtrickle.pgt_stream_tables s ON s.pgt_id = d.pgt_id WHERE s.pgt_name = 'down1'"));
        exec("SELECT pgtrickle.drop_stream_table('up1', cascade => true)");
    }

    @Test
    void aQueryReadingTheStreamTableBeingCreatedIsACycle() {
        SQLException e = assertThrows(SQLException.class,
                () -> exec("SELECT pgtrickle.create_stream_table('selfish', 'SELECT id FROM base UNION ALL SELECT id FROM selfish')"));
        assertTrue(e.getMessage().contains("cannot read itself (a cycle)"), e.getMessage());
        assertEquals("42P15", e.getSQLState()); // invalid_schema_definition
    }

    @Test
    void droppingAnUpstreamWithDependentsIsRefusedNamingThemOrCascades() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('a2', 'SELECT id, grp, v FROM base')",
             "SELECT pgtrickle.create_stream_table('b2', 'SELECT id, v FROM a2')",
             "SELECT pgtrickle.create_stream_table('c2', 'SELECT grp, count(*) AS n FROM a2 GROUP BY grp')",
             "SELECT pgtrickle.create_stream_table('d2', 'SELECT b2.id, c2.n FROM b2 JOIN a2 USING (id) JOIN c2 USING (grp)')");
        SQLException e = assertThrows(SQLException.class, () -> exec("SELECT pgtrickle.drop_stream_table('a2')"));
        assertTrue(e.getMessage().contains("cannot drop stream table public.a2: stream table(s) public.b2, public.c2, public.d2 read it"),
                e.getMessage());
        assertTrue(e.getMessage().contains("cascade => true"), e.getMessage());
        assertEquals("2BP01", e.getSQLState());
        exec("SELECT pgtrickle.drop_stream_table('d2')"); // a leaf goes on its own
        exec("SELECT pgtrickle.drop_stream_table('a2', cascade => true)");
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('a2', 'b2', 'c2', 'd2')"));
        assertEquals("", one("SELECT coalesce(string_agg(relname, ','), '') FROM pg_class WHERE relname IN ('a2', 'b2', 'c2', 'd2')"));
    }

    @Test
    void aRefreshOrAnErrorOfAnUpstreamReachesItsDependents() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('a3', 'SELECT id, v FROM base')",
             "SELECT pgtrickle.create_stream_table('b3', 'SELECT id FROM a3')",
             "SELECT pgtrickle.create_stream_table('c3', 'SELECT count(*) AS n FROM b3')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true "
                     + "WHERE pgt_name IN ('a3', 'b3', 'c3')");
        exec("SELECT pgtrickle.refresh_stream_table('b3')");
        assertEquals("a3:f b3:t c3:t", needsInit());

        exec("UPDATE pgtrickle.pgt_stream_tables SET needs_init = false WHERE pgt_name IN ('a3', 'b3', 'c3')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = 'boom' WHERE pgt_name = 'a3'");
        assertEquals("ERROR", one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'c3'"));
        assertTrue(one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'b3'")
                .startsWith("upstream stream table public.a3 is in ERROR (boom); once it is fixed, run "
                        + "pgtrickle.refresh_stream_table('public.a3')"));
        exec("SELECT pgtrickle.refresh_stream_table('a3')");
        assertEquals("INITIALIZING INITIALIZING INITIALIZING",
                one("SELECT string_agg(status, ' ' ORDER BY pgt_name) FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('a3', 'b3', 'c3')"));

        // a SUSPENDED upstream (the sink gave up on it) stops its dependents too; resuming it fills them anew
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false WHERE pgt_name IN ('a3', 'b3', 'c3')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED', last_error = 'failed 3 times' WHERE pgt_name = 'a3'");
        assertTrue(one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'c3'")
                .contains("is SUSPENDED (failed 3 times)"), one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'c3'"));
        exec("SELECT pgtrickle.resume_stream_table('a3')");
        assertEquals("INITIALIZING INITIALIZING INITIALIZING",
                one("SELECT string_agg(status, ' ' ORDER BY pgt_name) FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('a3', 'b3', 'c3')"));
        exec("SELECT pgtrickle.drop_stream_table('a3', cascade => true)");
    }

    @Test
    void anUpgradeFrom040MovesChainsToTheUpstreamsDeltaAndFillsTheDownstreamsAnew() throws SQLException {
        String old = EmbeddedPg.freshDatabase("chains_upgrade");
        Flyway.configure(CatalogInstaller.class.getClassLoader()).dataSource(old, "postgres", "postgres")
                .schemas("pgtrickle").table("pgt_schema_history").locations("classpath:db/migration")
                .placeholderReplacement(false).target("0.4.0.2").load().migrate();
        try (Connection c = EmbeddedPg.connect(old); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE base (id int PRIMARY KEY, v int)");
            s.execute("SELECT pgtrickle.create_stream_table('up', 'SELECT id, v FROM base')");
            s.execute("SELECT pgtrickle.create_stream_table('down', 'SELECT id FROM up')");
            s.execute("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true");
        }
        try (Connection c = EmbeddedPg.connect(old); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'up'::regclass");
            rs.next();
            assertEquals(4, rs.getInt(1), "0.4.0 captured the upstream's storage table");
        }
        CatalogInstaller.install(old, "postgres", "postgres");
        try (Connection c = EmbeddedPg.connect(old); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'up'::regclass "
                     + "AND tgname LIKE 'pgt\\_cdc\\_%'), "
                     + "(SELECT count(*) FROM pgtrickle.pgt_sources WHERE source_relid = 'up'::regclass), "
                     + "(SELECT string_agg(pgt_name || ':' || status || ':' || needs_init || ':' || engine_ready, ' ' ORDER BY pgt_name) "
                     + "FROM pgtrickle.pgt_stream_tables), "
                     + "(SELECT u.pgt_name FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables u ON u.pgt_id = d.upstream_id)")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "no capture on the storage table any more");
            assertEquals(0, rs.getInt(2));
            assertEquals("down:INITIALIZING:true:false up:ACTIVE:false:true", rs.getString(3));
            assertEquals("up", rs.getString(4));
        }
    }

    private static String needsInit() throws SQLException {
        return one("SELECT string_agg(pgt_name || ':' || CASE WHEN needs_init THEN 't' ELSE 'f' END, ' ' ORDER BY pgt_name) "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('a3', 'b3', 'c3')");
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
