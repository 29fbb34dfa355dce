package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Privileges with real roles: a stream table never shows what its creator cannot read, it is its creator's, only
 * its owner drops or refreshes it, and nothing internal (functions, change buffers, catalog tables) is PUBLIC's.
 */
class CatalogPrivilegesTest {
    private static final String ALICE = "pgt_test_alice";
    private static final String BOB = "pgt_test_bob";
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("privileges");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE ROLE " + ALICE + " LOGIN PASSWORD 'alice'", "CREATE ROLE " + BOB + " LOGIN PASSWORD 'bob'",
             "GRANT CREATE ON SCHEMA public TO " + ALICE + ", " + BOB,
             "CREATE TABLE salaries (id int PRIMARY KEY, name text, salary int)",
             "INSERT INTO salaries VALUES (1, 'ann', 100), (2, 'ben', 200)",
             "ALTER TABLE salaries OWNER TO " + ALICE);
        as(BOB, "CREATE TABLE bob_items (id int PRIMARY KEY, v int)");
    }

    @AfterAll
    static void dropRoles() throws SQLException {
        for (String role : new String[] {ALICE, BOB}) {
            exec("REASSIGN OWNED BY " + role + " TO postgres", "DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    void aStreamTableNeverShowsWhatItsCreatorCannotRead() throws SQLException {
        String before = footprint();
        String denied = refusedAs(BOB, "SELECT pgtrickle.create_stream_table('pay', 'SELECT name, salary FROM salaries')");
        assertTrue(denied.contains("cannot create stream table public.pay: permission denied for table salaries"), denied);
        assertTrue(denied.contains("must be allowed to read everything the query reads"), denied);
        assertEquals(before, footprint());
        assertNull(one("SELECT to_regclass('public.pay')"));

        // column privileges count: the names, not the salaries
        exec("GRANT SELECT (id, name) ON salaries TO " + BOB);
        as(BOB, "SELECT pgtrickle.create_stream_table('names', 'SELECT id, name FROM salaries')");
        assertTrue(refusedAs(BOB, "SELECT pgtrickle.create_stream_table('pay', 'SELECT id, salary FROM salaries')")
                .contains("permission denied"));
        assertEquals(BOB, one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'names'::regclass"));

        // registration (SECURITY DEFINER) checks again by itself: only a table of one's own, only what its owner reads
        as(BOB, "CREATE TABLE bob_pay (id int, salary int)");
        assertTrue(refusedAs(BOB, "SELECT pgtrickle.register_stream_table('bob_pay', 'SELECT id, salary FROM salaries', "
                + "'{public}')").contains("permission denied for table public.salaries"));
        assertTrue(refusedAs(BOB, "SELECT pgtrickle.register_stream_table('salaries', 'SELECT id, name FROM salaries', "
                + "'{public}')").contains("must be its owner"));

        // row-level security: the pipeline sees every row, so a stream table over such a table would too
        exec("ALTER TABLE salaries ENABLE ROW LEVEL SECURITY",
             "CREATE POLICY own ON salaries FOR SELECT USING (name = current_user)");
        assertTrue(refusedAs(BOB, "SELECT pgtrickle.create_stream_table('mine', 'SELECT id, name FROM salaries')")
                .contains("row-level security"));
        exec("DROP POLICY own ON salaries", "ALTER TABLE salaries DISABLE ROW LEVEL SECURITY",
             "SELECT pgtrickle.drop_stream_table('names')", "DROP TABLE bob_pay");
    }

    @Test
    void onlyItsOwnerDropsOrRefreshesAStreamTable() throws SQLException {
        as(BOB, "SELECT pgtrickle.create_stream_table('bob_st', 'SELECT id, v FROM bob_items')");
        assertTrue(refusedAs(ALICE, "SELECT pgtrickle.drop_stream_table('bob_st')")
                .contains("permission denied to drop stream table public.bob_st: must be its owner"));
        assertTrue(refusedAs(ALICE, "SELECT pgtrickle.refresh_stream_table('public.bob_st')")
                .contains("permission denied to refresh stream table public.bob_st: must be its owner"));
        // each role sees the stream tables it may read
        assertEquals("0", oneAs(ALICE, "SELECT count(*) FROM pgtrickle.pgt_status()"));
        assertEquals("public.bob_st|INITIALIZING", oneAs(BOB, "SELECT name || '|' || status FROM pgtrickle.pgt_status() "
                + "WHERE name = 'public.bob_st'"));
        as(BOB, "SELECT pgtrickle.refresh_stream_table('bob_st')", "SELECT pgtrickle.drop_stream_table('bob_st')");
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_stream_tables"));
    }

    @Test
    void ownershipIsCheckedAgainstTheCurrentRoleAsPostgreSqlChecksIt() throws SQLException {
        String team = "pgt_test_team";
        String carol = "pgt_test_carol";
        exec("CREATE ROLE " + team + " NOLOGIN", "CREATE ROLE " + carol + " LOGIN NOINHERIT PASSWORD 'carol'",
             "GRANT " + team + " TO " + carol, "GRANT CREATE ON SCHEMA public TO " + team,
             "CREATE TABLE team_items (id int PRIMARY KEY, v int)", "ALTER TABLE team_items OWNER TO " + team);
        try {
            as(BOB, "SELECT pgtrickle.create_stream_table('bob_own', 'SELECT id, v FROM bob_items')");
            // a superuser's session that took Alice's role acts as Alice: refused, as ALTER TABLE refuses it
            String asAlice = refusedAs("postgres", "SET ROLE " + ALICE, "SELECT pgtrickle.drop_stream_table('bob_own')");
            assertTrue(asAlice.contains("permission denied to drop stream table public.bob_own: must be its owner"), asAlice);
            assertTrue(asAlice.contains("the check is on the current role (" + ALICE + ")"), asAlice);
            assertTrue(refusedAs("postgres", "SET ROLE " + ALICE, "ALTER TABLE bob_own ADD COLUMN x int")
                    .contains("must be owner of table bob_own"), "PostgreSQL's own rule");
            assertTrue(refusedAs("postgres", "SET ROLE " + ALICE, "SELECT pgtrickle.refresh_stream_table('bob_own')")
                    .contains("permission denied to refresh stream table public.bob_own"));
            assertTrue(refusedAs("postgres", "SET ROLE " + ALICE, "SELECT pgtrickle.alter_stream_table('bob_own', "
                    + "schedule => '5s')").contains("permission denied to alter stream table public.bob_own"));
            // and after RESET ROLE it is the superuser again
            as("postgres", "SET ROLE " + ALICE, "RESET ROLE", "SELECT pgtrickle.refresh_stream_table('bob_own')");

            // a NOINHERIT member of the owning role: not as herself, but after SET ROLE to it, as with ALTER TABLE
            as(carol, "SET ROLE " + team, "SELECT pgtrickle.create_stream_table('team_st', 'SELECT id, v FROM team_items')");
            assertEquals(team, one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'team_st'::regclass"));
            assertTrue(refusedAs(carol, "SELECT pgtrickle.refresh_stream_table('team_st')")
                    .contains("permission denied to refresh stream table public.team_st: must be its owner"));
            assertTrue(refusedAs(carol, "ALTER TABLE team_st ADD COLUMN x int").contains("must be owner"));
            as(carol, "SET ROLE " + team, "SELECT pgtrickle.refresh_stream_table('team_st')",
                    "SELECT pgtrickle.alter_stream_table('team_st', schedule => '5s')",
                    "SELECT pgtrickle.drop_stream_table('team_st')");

            // a SECURITY DEFINER function of Bob's called by Alice is checked as Alice, the session's role (PostgreSQL
            // shows Trickle's functions no caller's current_user): never more than the session itself may do
            as(BOB, "CREATE FUNCTION bob_refresh() RETURNS void SECURITY DEFINER LANGUAGE sql "
                    + "AS $$SELECT pgtrickle.refresh_stream_table('public.bob_own')$$",
                    "GRANT EXECUTE ON FUNCTION bob_refresh() TO " + ALICE);
            assertTrue(refusedAs(ALICE, "SELECT bob_refresh()").contains("permission denied to refresh stream table"));
            as(BOB, "SELECT bob_refresh()", "DROP FUNCTION bob_refresh()", "SELECT pgtrickle.drop_stream_table('bob_own')");
        } finally {
            exec("SELECT pgtrickle.drop_stream_table(n) FROM (VALUES ('bob_own'), ('team_st')) v(n) "
                    + "WHERE to_regclass(n) IS NOT NULL", "DROP FUNCTION IF EXISTS bob_refresh()",
                 "DROP TABLE IF EXISTS team_items", "REASSIGN OWNED BY " + team + ", " + carol + " TO postgres",
                 "DROP OWNED BY " + team + ", " + carol, "DROP ROLE " + carol, "DROP ROLE " + team);
        }
    }

    @Test
    void internalsAreNotPublic() throws SQLException {
        as(BOB, "SELECT pgtrickle.create_stream_table('bob_int', 'SELECT id, v FROM bob_items')");
        String buffer = one("SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = 'bob_items'");
        assertEquals("", one("SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') FROM pg_proc p "
                + "WHERE p.pronamespace = 'pgtrickle'::regnamespace AND (p.proname LIKE '\\_%' "
                + "OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)) "
                + "AND has_function_privilege('" + BOB + "', p.oid, 'EXECUTE') "
                + "AND p.proname <> '_full_as_' || '" + BOB + "'::regrole::oid"));
        // Bob's FULL-refresh function (migration V0_4_0_10) is his own: it runs what he could run anyway, as
        // himself, and no one else may execute it
        assertEquals(BOB + "|false", one("SELECT pg_get_userbyid(p.proowner) || '|' || has_function_privilege('" + ALICE
                + "', p.oid, 'EXECUTE') FROM pg_proc p WHERE p.pronamespace = 'pgtrickle'::regnamespace "
                + "AND p.proname = '_full_as_' || '" + BOB + "'::regrole::oid"));
        assertTrue(refusedAs(BOB, "SELECT * FROM pgtrickle.pgt_stream_tables").contains("permission denied"));
        assertTrue(refusedAs(BOB, "SELECT * FROM pgtrickle.pgt_sources").contains("permission denied"));
        assertTrue(refusedAs(BOB, "SELECT * FROM pgtrickle_changes." + buffer).contains("permission denied"));
        assertTrue(refusedAs(BOB, "SELECT pgtrickle._install_capture('salaries'::regclass)").contains("permission denied"));
        // the source's capture function (catalog 0.4.0.28) is in a schema Bob may not use, and not his to execute
        String capture = "pgtrickle_changes.capture_" + one("SELECT 'bob_items'::regclass::oid") + "()";
        assertEquals("false|false", one("SELECT has_function_privilege('" + BOB + "', '" + capture + "', 'EXECUTE') || '|' "
                + "|| has_schema_privilege('" + BOB + "', 'pgtrickle_changes', 'USAGE')"));
        assertTrue(refusedAs(BOB, "CREATE TRIGGER steal AFTER INSERT ON bob_items FOR EACH STATEMENT "
                + "EXECUTE FUNCTION " + capture).contains("permission denied for schema pgtrickle_changes"));

        // the capture trigger still fires for whoever writes the source, into the source's own buffer
        as(BOB, "INSERT INTO bob_items VALUES (1, 1)");
        assertEquals("+{\"v\": 1, \"id\": 1}", one("SELECT string_agg(__pgt_op::text || (to_jsonb(b) - '{__pgt_change_id,__pgt_xid,__pgt_op}'::text[])::text, '|') FROM pgtrickle_changes." + buffer + " b"));
        // the function is its source's: on any other table it refuses to run
        exec("CREATE TABLE not_captured (id int, v int)", "CREATE TRIGGER stray AFTER INSERT ON not_captured "
                + "REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION " + capture);
        assertTrue(refusedAs("postgres", "INSERT INTO not_captured VALUES (1, 1)")
                .contains("not_captured is not the source table this capture function belongs to"));
        exec("DROP TABLE not_captured");
        as(BOB, "SELECT pgtrickle.drop_stream_table('bob_int')");
    }

    private static String footprint() throws SQLException {
        return one("SELECT (SELECT count(*) FROM pgtrickle.pgt_stream_tables) || '/' || "
                + "(SELECT count(*) FROM pgtrickle.pgt_sources) || '/' || "
                + "(SELECT count(*) FROM pg_class WHERE relnamespace IN ('pgtrickle'::regnamespace, "
                + "'pgtrickle_changes'::regnamespace, 'public'::regnamespace))");
    }

    private static Connection connectAs(String role) throws SQLException {
        return "postgres".equals(role) ? EmbeddedPg.connect(url)
                // the URL names user postgres, which would win over the user given here
                : DriverManager.getConnection(url.replaceFirst("\\?user=[^&]*", ""), role,
                        role.substring(role.lastIndexOf('_') + 1));
    }

    private static void as(String role, String... sql) throws SQLException {
        try (Connection c = connectAs(role); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static String oneAs(String role, String sql) throws SQLException {
        try (Connection c = connectAs(role); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : "<no row>";
        }
    }

    private static String refusedAs(String role, String... sql) {
        return assertThrows(SQLException.class, () -> as(role, sql), String.join("; ", sql)).getMessage();
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
