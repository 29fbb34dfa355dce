package dev.trickle.source;

import static dev.trickle.source.FullChecks.assertEnds;
import static dev.trickle.source.FullChecks.assertNothingOn;
import static dev.trickle.source.FullChecks.delta;
import static dev.trickle.source.FullChecks.makeFull;
import static dev.trickle.source.FullChecks.query;
import static dev.trickle.source.FullChecks.rows;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.TopicNames;
import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.testing.EmbeddedPg;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FULL refreshes run with the stream table owner's privileges, read-only: never with the pipeline's
 * (here a superuser, which may read and write everything).
 */
class FullRefreshPrivilegesTest {
    private static final String STATUS = "SELECT status || '|' || coalesce(last_error, '') FROM pgtrickle.pgt_stream_tables "
            + "WHERE pgt_name = ";

    @Test
    void aRefreshReadsOnlyWhatTheOwnerMayRead() throws Exception {
        String url = TaskHarness.database("fullowner");
        exec(url, "CREATE ROLE full_bob",
                "GRANT CREATE ON SCHEMA public TO full_bob",
                "CREATE TABLE salaries (id int PRIMARY KEY, amount int)",
                "INSERT INTO salaries SELECT g, g * 100 FROM generate_series(1, 5) g",
                "CREATE TABLE rooms (id int PRIMARY KEY, name text)",
                "INSERT INTO rooms VALUES (1, 'a'), (2, 'b')",
                "GRANT SELECT ON salaries, rooms TO full_bob",
                "SET ROLE full_bob",
                "SELECT pgtrickle.create_stream_table('bob_total', 'SELECT sum(amount) AS s FROM salaries')",
                "SELECT pgtrickle.create_stream_table('bob_rooms', 'SELECT count(*) AS n FROM rooms')",
                "RESET ROLE",
                "SELECT pgtrickle.create_stream_table('admin_total', 'SELECT sum(amount) AS s FROM salaries')",
                // after create: bob may no longer read the salaries, the pipeline's role still may
                "REVOKE SELECT ON salaries FROM full_bob");
        long bobTotal = makeFull(url, "bob_total");
        long bobRooms = makeFull(url, "bob_rooms");
        long adminTotal = makeFull(url, "admin_total");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            assertNothingOn(t, delta("public", "bob_total"));
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + t.tick + ": permission denied for table "
                    + "salaries (a FULL refresh runs with the privileges of the stream table's owner, role "
                    + "\"full_bob\"). Grant \"full_bob\" what the query reads, then run "
                    + "pgtrickle.refresh_stream_table('public.bob_total')", one(url, STATUS + "'bob_total'"));
            assertEquals(query(url, "SELECT count(*) FROM rooms"), rows(t, delta("public", "bob_rooms")));
            assertEnds(t, delta("public", "bob_rooms"), bobRooms, true);
            assertEquals(query(url, "SELECT sum(amount) FROM salaries"), rows(t, delta("public", "admin_total")));
            assertEnds(t, delta("public", "admin_total"), adminTotal, true);
            assertEquals("ACTIVE|", one(url, STATUS + "'bob_rooms'").replace("INITIALIZING", "ACTIVE"));

            // given back, a refresh fills it again
            exec(url, "GRANT SELECT ON salaries TO full_bob", "SELECT pgtrickle.refresh_stream_table('bob_total')");
            makeFull(url, "bob_total"); // what the streams app does for a refreshed stream table it cannot maintain
            TaskHarness.Tick again = h.tickWhere(x -> !x.delta(delta("public", "bob_total")).isEmpty());
            assertEquals(query(url, "SELECT sum(amount) FROM salaries"), rows(again, delta("public", "bob_total")));
            assertEnds(again, delta("public", "bob_total"), bobTotal, true);
        }
    }

    @Test
    void aRefreshCannotWrite() throws Exception {
        String url = TaskHarness.database("fullwrite");
        exec(url, "CREATE ROLE full_eve",
                "GRANT CREATE ON SCHEMA public TO full_eve",
                "CREATE TABLE items (id int PRIMARY KEY)",
                "INSERT INTO items VALUES (1), (2)",
                "GRANT SELECT ON items TO full_eve",
                "SET ROLE full_eve",
                "CREATE TABLE eve_log (note text)",
                "CREATE FUNCTION eve_write(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
                        + "INSERT INTO eve_log VALUES ('wrote ' || i); RETURN i; END $$",
                // tries to turn the transaction read-write first
                "CREATE FUNCTION eve_escape(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
                        + "PERFORM set_config('transaction_read_only', 'off', true); "
                        + "INSERT INTO eve_log VALUES ('escaped ' || i); RETURN i; END $$",
                "SELECT pgtrickle.create_stream_table('writes', 'SELECT eve_write(id) AS w FROM items')",
                "SELECT pgtrickle.create_stream_table('escapes', 'SELECT eve_escape(id) AS w FROM items')",
                "SELECT pgtrickle.create_stream_table('reads', 'SELECT id FROM items')",
                "RESET ROLE");
        makeFull(url, "writes");
        makeFull(url, "escapes");
        long reads = makeFull(url, "reads");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            assertNothingOn(t, delta("public", "writes"));
            assertNothingOn(t, delta("public", "escapes"));
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + t.tick + ": cannot execute INSERT in a "
                    + "read-only transaction (a FULL refresh runs read-only: neither the query nor a function it calls "
                    + "may write). Alter or drop the stream table, then run "
                    + "pgtrickle.refresh_stream_table('public.writes')", one(url, STATUS + "'writes'"));
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + t.tick + ": cannot set transaction "
                    + "read-write mode inside a read-only transaction (a FULL refresh runs read-only: neither the query "
                    + "nor a function it calls may write). Alter or drop the stream table, then run "
                    + "pgtrickle.refresh_stream_table('public.escapes')", one(url, STATUS + "'escapes'"));
            assertEquals(query(url, "SELECT id FROM items"), rows(t, delta("public", "reads")));
            assertEnds(t, delta("public", "reads"), reads, true);
        }
        assertEquals("0", one(url, "SELECT count(*) FROM eve_log"));
    }

    /**
     * The pipeline as a role with only the privileges docs/operations.md lists: CREATE on the database (it
     * installs the catalog), SELECT and TRIGGER on the source tables, membership in the stream tables' owners.
     * Without the membership, a FULL refresh says what to grant.
     */
    @Test
    void aPipelineRoleWithTheDocumentedPrivilegesOnly() throws Exception {
        String url = EmbeddedPg.freshDatabase("pipelinerole");
        String db = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        exec(url, "CREATE ROLE full_pipe LOGIN PASSWORD 'pipe'", "GRANT CREATE ON DATABASE " + db + " TO full_pipe",
                "CREATE ROLE full_ann", "GRANT CREATE ON SCHEMA public TO full_ann", "GRANT full_ann TO full_pipe");
        // the test URL names user postgres, which would win over the user given apart
        String pipeUrl = url.replaceAll("\\?.*", "");
        CatalogInstaller.install(pipeUrl, "full_pipe", "pipe");
        assertEquals("full_pipe", one(url, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'pgtrickle'"));
        exec(url, "CREATE TABLE things (id int PRIMARY KEY)", "INSERT INTO things VALUES (1), (2)",
                "GRANT SELECT ON things TO full_ann", "GRANT SELECT, TRIGGER ON things TO full_pipe",
                "SET ROLE full_ann",
                "SELECT pgtrickle.create_stream_table('ann_count', 'SELECT count(*) AS n FROM things')",
                "SELECT pgtrickle.create_stream_table('ann_things', 'SELECT id FROM things')",
                "RESET ROLE",
                "UPDATE pgtrickle.pgt_stream_tables SET effective_mode = 'DIFFERENTIAL', engine_ready = true "
                        + "WHERE pgt_name = 'ann_things'");
        long count = makeFull(url, "ann_count");
        long things = FullChecks.pgtId(url, "ann_things");
        String topic = TopicNames.changes("trickle", "public", "things");
        try (TaskHarness h = new TaskHarness(pipeUrl, Map.of(SourceConfig.PG_USER, "full_pipe",
                SourceConfig.PG_PASSWORD, "pipe"), null, true)) {
            TaskHarness.Tick t = h.nextTick();
            assertEquals(Map.of(List.of("2"), 1L), rows(t, delta("public", "ann_count")));
            assertEnds(t, delta("public", "ann_count"), count, true);
            assertEquals(2, t.rows(topic, things).size(), "the initial fill reads the source as the pipeline");

            exec(url, "REVOKE full_ann FROM full_pipe", "INSERT INTO things VALUES (3)");
            TaskHarness.Tick changed = h.tickWhere(x -> !x.changes(topic).isEmpty());
            assertEquals(List.of("+{id=3}"), changed.changes(topic));
            assertNothingOn(changed, delta("public", "ann_count"));
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + changed.tick + ": permission denied to set "
                    + "role \"full_ann\" (a FULL refresh runs with the privileges of the stream table's owner, role "
                    + "\"full_ann\", and the pipeline's role \"full_pipe\" may not act as it). Run GRANT "
                    + "\"full_ann\" TO \"full_pipe\", then run pgtrickle.refresh_stream_table('public.ann_count')",
                    one(url, STATUS + "'ann_count'"));
        }
    }
    /**
     * Under SET ROLE alone, a function in the query could RESET ROLE (PostgreSQL checks a switch against
     * the login role) and read with the pipeline's privileges. The query runs inside the owner's SECURITY
     * DEFINER function, where PostgreSQL refuses any role switch: refused, said clearly, nothing read.
     */
    @Test
    void aQueryCannotSwitchBackToThePipelinesRole() throws Exception {
        String url = TaskHarness.database("fullreset");
        exec(url, "CREATE ROLE full_mal",
                "GRANT CREATE ON SCHEMA public TO full_mal",
                "CREATE TABLE vault (secret text)", // only the pipeline's role (here a superuser) may read it
                "INSERT INTO vault VALUES ('s3cr3t')",
                "SET ROLE full_mal",
                "CREATE TABLE mal_items (id int PRIMARY KEY)",
                "INSERT INTO mal_items VALUES (1)",
                "CREATE FUNCTION mal_reset() RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                        + "EXECUTE 'RESET ROLE'; RETURN (SELECT string_agg(secret, ',') FROM vault); END $$",
                "CREATE FUNCTION mal_set() RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                        + "PERFORM set_config('role', 'none', true); RETURN (SELECT string_agg(secret, ',') FROM vault); END $$",
                "SELECT pgtrickle.create_stream_table('mal_reset', 'SELECT id, mal_reset() AS s FROM mal_items')",
                "SELECT pgtrickle.create_stream_table('mal_set', 'SELECT id, mal_set() AS s FROM mal_items')",
                "SELECT pgtrickle.create_stream_table('mal_plain', 'SELECT id FROM mal_items')",
                "RESET ROLE");
        makeFull(url, "mal_reset");
        makeFull(url, "mal_set");
        long plain = makeFull(url, "mal_plain");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            for (String name : List.of("mal_reset", "mal_set")) {
                assertNothingOn(t, delta("public", name));
                assertEquals("ERROR|refreshing in FULL mode failed at tick " + t.tick + ": cannot set parameter "
                        + "\"role\" within security-definer function (a FULL refresh runs with the privileges of the "
                        + "stream table's owner, role \"full_mal\", and neither its query nor a function it calls may "
                        + "switch roles). Alter or drop the stream table, then run "
                        + "pgtrickle.refresh_stream_table('public." + name + "')", one(url, STATUS + "'" + name + "'"));
            }
            assertEquals(query(url, "SELECT id FROM mal_items"), rows(t, delta("public", "mal_plain")));
            assertEnds(t, delta("public", "mal_plain"), plain, true);
        }
        assertEquals("full_mal", one(url, "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE oid = "
                + "format('pgtrickle.%I(text)', '_full_as_' || 'full_mal'::regrole::oid)::regprocedure"));
        assertEquals("f", one(url, "SELECT has_function_privilege('public', format('pgtrickle.%I(text)', "
                + "'_full_as_' || 'full_mal'::regrole::oid), 'EXECUTE')"));
    }

    /** The owner may alter its FULL-refresh function, not its body, which then runs nothing; a refresh makes it again. */
    @Test
    void anAlteredRefreshFunctionRunsNothing() throws Exception {
        String url = TaskHarness.database("fullaltered");
        exec(url, "CREATE ROLE full_oz",
                "GRANT CREATE ON SCHEMA public TO full_oz",
                "CREATE TABLE vault (secret text)",
                "INSERT INTO vault VALUES ('s3cr3t')",
                "SET ROLE full_oz",
                "CREATE TABLE oz_items (id int PRIMARY KEY)",
                "INSERT INTO oz_items VALUES (1)",
                "CREATE FUNCTION oz_reset() RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                        + "EXECUTE 'RESET ROLE'; RETURN (SELECT string_agg(secret, ',') FROM vault); END $$",
                "SELECT pgtrickle.create_stream_table('oz_peek', 'SELECT id, oz_reset() AS s FROM oz_items')");
        String fn = one(url, "SELECT format('pgtrickle.%I(text)', '_full_as_' || 'full_oz'::regrole::oid)");
        exec(url, "SET ROLE full_oz", "ALTER FUNCTION " + fn + " SECURITY INVOKER", "RESET ROLE");
        long peek = makeFull(url, "oz_peek");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            assertNothingOn(t, delta("public", "oz_peek"));
            assertEquals("ERROR|refreshing in FULL mode failed at tick " + t.tick + ": the FULL-refresh function of "
                    + "role full_oz was altered and no longer runs as SECURITY DEFINER", one(url, STATUS + "'oz_peek'"));

            // a refresh makes it again (here with a query that does not switch roles)
            exec(url, "SET ROLE full_oz",
                    "CREATE OR REPLACE FUNCTION oz_reset() RETURNS text LANGUAGE sql AS $$ SELECT 'none' $$",
                    "SELECT pgtrickle.refresh_stream_table('oz_peek')", "RESET ROLE");
            assertEquals("t", one(url, "SELECT prosecdef FROM pg_proc WHERE oid = '" + fn + "'::regprocedure"));
            makeFull(url, "oz_peek");
            TaskHarness.Tick again = h.tickWhere(x -> !x.delta(delta("public", "oz_peek")).isEmpty());
            assertEquals(query(url, "SELECT id, oz_reset() FROM oz_items"), rows(again, delta("public", "oz_peek")));
            assertEnds(again, delta("public", "oz_peek"), peek, true);
        }
    }
}
