package dev.trickle.source;

import static dev.trickle.source.TaskHarness.column;
import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import java.util.List;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

/**
 * DDL on a captured source while ticks run: ticks keep coming, rows buffered before the DDL read with
 * the table's new shape (the typed buffer follows it: a column added since is null, a dropped one is left
 * out, a renamed one keeps its values), and stream tables
 * over other sources never notice.
 */
class SourceDdlTest {
    private static final String A = TopicNames.changes("trickle", "public", "a");
    private static final String B = TopicNames.changes("trickle", "public", "b");

    private static String setUp(String hint) throws Exception {
        String url = TaskHarness.database(hint);
        exec(url, "CREATE TABLE a (id int PRIMARY KEY, unused text, v int)",
                "CREATE TABLE b (id int PRIMARY KEY, w int)",
                "SELECT pgtrickle.create_stream_table('on_a', 'SELECT id, v FROM a')",
                "SELECT pgtrickle.create_stream_table('on_b', 'SELECT id, w FROM b')");
        return url;
    }

    /**
     * Enough ticks that the driver's statements are prepared on the server (five runs of one text), the
     * way a task that has run a while has them, before the DDL happens.
     */
    private static void warmUp(TaskHarness h, String url) throws Exception {
        for (int i = 1; i <= 8; i++) {
            exec(url, "INSERT INTO a VALUES (" + i + ", 'x', " + i + ")", "INSERT INTO b VALUES (" + i + ", " + i + ")");
            h.tickWhere(t -> t.changes(A).size() == 1 && t.changes(B).size() == 1);
        }
    }

    @Test
    void droppingAnUnusedColumnKeepsTicksComing() throws Exception {
        String url = setUp("ddldrop");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            // buffered before the DROP, read after it: the dropped column is left out
            exec(url, "INSERT INTO a VALUES (100, 'before', 100)", "ALTER TABLE a DROP COLUMN unused",
                    "INSERT INTO a VALUES (101, 101)", "INSERT INTO b VALUES (100, 100)");
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, w=100}"), t.changes(B));
            assertEquals(List.of("+{id=100, v=100}", "+{id=101, v=101}"), t.changes(A));
            exec(url, "UPDATE a SET v = 1000 WHERE id = 1", "INSERT INTO b VALUES (101, 101)");
            TaskHarness.Tick next = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("-{id=1, v=1}", "+{id=1, v=1000}"), next.changes(A));
            assertEquals(List.of("on_a|INITIALIZING", "on_b|INITIALIZING"), statuses(url));
        }
    }

    /**
     * A change buffer rewritten (ALTER COLUMN ... TYPE of its source) after a tick's snapshot was taken but before
     * the tick read it: PostgreSQL shows a rewritten table empty to older snapshots, so the tick would read none
     * of its rows and the next tick would skip them as read. The tick is taken again instead; every row comes
     * exactly once.
     */
    @Test
    void aBufferRewrittenWhileATickIsReadIsReadAgainNotLost() throws Exception {
        String url = setUp("ddlrewrite");
        exec(url, "ALTER TABLE b ADD COLUMN spare int");
        try (TaskHarness h = new TaskHarness(url, java.util.Map.of(SourceConfig.BATCH_SIZE, "20"), null, true)) {
            warmUp(h, url);
            exec(url, "INSERT INTO a SELECT g, 'x', g FROM generate_series(100, 199) g",
                    "INSERT INTO b SELECT g, g, g FROM generate_series(100, 104) g");
            List<org.apache.kafka.connect.source.SourceRecord> first = h.task.poll();
            while (first == null) {
                first = h.task.poll();
            }
            assertTrue(first.stream().allMatch(r -> r.topic().equals(A)), "the tick's first batch is a's alone");
            exec(url, "SET lock_timeout = '20s'", "ALTER TABLE b ALTER COLUMN spare TYPE bigint");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(5, t.changes(B).size(), "b's rows buffered before the rewrite: " + t.changes(B));
            assertEquals(100, t.changes(A).size(), "a's rows once, in the tick taken again");
            assertEquals(1, h.abortRequests, "the tick's Kafka transaction is aborted");
            exec(url, "INSERT INTO b VALUES (105, 105, 105)");
            TaskHarness.Tick next = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=105, w=105, spare=105}"), next.changes(B));
        }
    }

    /**
     * The same race for an initial fill, which reads the source table itself: a source rewritten
     * after the tick's snapshot but before the fill read it (SET UNLOGGED here) would look
     * empty to the fill, and the new stream table
     * would miss every row it had then, for good. The tick is taken again and the fill has every row.
     */
    @Test
    void aSourceRewrittenBeforeItsFillIsReadIsFilledAgainNotEmpty() throws Exception {
        String url = setUp("ddlrewritefill");
        try (TaskHarness h = new TaskHarness(url, java.util.Map.of(SourceConfig.BATCH_SIZE, "20"), null, true)) {
            warmUp(h, url);
            exec(url, "INSERT INTO a SELECT g, 'x', g FROM generate_series(100, 199) g",
                    "SELECT pgtrickle.create_stream_table('fill_b', 'SELECT id, w FROM b')",
                    // the streams app's part (it has planned the stream table), so that the fill is due
                    "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true WHERE pgt_name = 'fill_b'");
            long fillB = Long.parseLong(TaskHarness.one(url,
                    "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'fill_b'"));
            List<org.apache.kafka.connect.source.SourceRecord> first = h.task.poll();
            while (first == null) {
                first = h.task.poll();
            }
            assertTrue(first.stream().noneMatch(r -> r.topic().equals(B)
                    && TaskHarness.change(r) instanceof ChangeRecord.Row row && row.streamTable() != null),
                    "the tick's first batch holds none of the fill's rows: " + first.size());
            // rewrites the table, keeping its columns and its change buffer as they are
            exec(url, "SET lock_timeout = '20s'", "ALTER TABLE b SET UNLOGGED");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(8, t.rows(B, fillB).size(), "the fill has b's 8 rows: " + t.rows(B, fillB));
            assertEquals(100, t.changes(A).size(), "a's rows once, in the tick taken again");
            assertEquals(1, h.abortRequests, "the tick's Kafka transaction is aborted");
        }
    }

    @Test
    void addedAndRenamedColumnsAndTruncateKeepTicksComing() throws Exception {
        String url = setUp("ddladd");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            // buffered before ADD COLUMN, read after it: no value for the new column, so NULL
            exec(url, "INSERT INTO a VALUES (100, 'before', 100)", "ALTER TABLE a ADD COLUMN extra int DEFAULT 7",
                    "INSERT INTO a VALUES (101, 'after', 101)", "INSERT INTO b VALUES (100, 100)");
            TaskHarness.Tick added = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, unused=before, v=100, extra=null}",
                    "+{id=101, unused=after, v=101, extra=7}"), added.changes(A));
            exec(url, "ALTER TABLE a RENAME COLUMN unused TO renamed", "INSERT INTO a VALUES (102, 'r', 102)",
                    "INSERT INTO b VALUES (101, 101)");
            TaskHarness.Tick renamed = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=102, renamed=r, v=102, extra=7}"), renamed.changes(A));
            exec(url, "TRUNCATE a", "INSERT INTO a VALUES (1, 'again', 1)", "INSERT INTO b VALUES (102, 102)");
            TaskHarness.Tick truncated = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(11, truncated.changes(A).stream().filter(r -> r.startsWith("-")).count(),
                    "TRUNCATE retracts every row there was");
            assertEquals(List.of("+{id=1, renamed=again, v=1, extra=7}"),
                    truncated.changes(A).stream().filter(r -> r.startsWith("+")).toList());
            assertEquals(List.of("on_a|INITIALIZING", "on_b|INITIALIZING"), statuses(url));
        }
    }

    /**
     * A buffered value that no longer fits its column's new type reads as NULL (the typed buffer's column
     * follows the source's type; no stream table reads that column). A buffer that cannot be read at all
     * (here: spoiled by hand): the stream tables over that source go to ERROR saying why and what to
     * do, the other sources go on, and a refresh fills them anew.
     */
    @Test
    void aSourceWhoseChangesCannotBeReadStopsOnlyItsStreamTables() throws Exception {
        String url = setUp("ddltype");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            exec(url, "INSERT INTO a VALUES (100, 'abc', 100)",
                    "ALTER TABLE a ALTER COLUMN unused TYPE int USING length(unused)",
                    "INSERT INTO b VALUES (100, 100)");
            TaskHarness.Tick typed = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, unused=null, v=100}"), typed.changes(A));
            assertEquals(List.of("on_a|INITIALIZING", "on_b|INITIALIZING"), statuses(url));

            exec(url, "INSERT INTO a VALUES (99, 0, 99)");
            spoilBuffer(url);
            exec(url, "INSERT INTO b VALUES (101, 101)");
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=101, w=101}"), t.changes(B));
            assertEquals(List.of(), t.changes(A));
            assertEquals(3 * 2, t.recordsOf(ChangeRecord.End.class).size(), "end markers on both topics");
            List<String> after = statuses(url);
            assertEquals("on_b|INITIALIZING", after.get(1));
            assertTrue(after.get(0).startsWith("on_a|ERROR|the changes of source table public.a could not be read at "
                    + "tick " + t.tick + ": invalid internal value for enum"), after.get(0));
            assertTrue(after.get(0).endsWith("alter or drop the stream table, then run "
                    + "pgtrickle.refresh_stream_table('public.on_a')"), after.get(0));

            exec(url, "ALTER TABLE pgtrickle_changes." + bufferOf(url, "a") + " ALTER COLUMN unused TYPE int USING NULL",
                    "INSERT INTO a VALUES (101, 3, 101)", "INSERT INTO b VALUES (102, 102)");
            TaskHarness.Tick next = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of(), next.changes(A), "nobody reads a's changes while on_a is in ERROR");
            assertEquals(0, h.abortRequests);

            exec(url, "SELECT pgtrickle.refresh_stream_table('on_a')",
                    "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true WHERE pgt_name = 'on_a'");
            long onA = Long.parseLong(TaskHarness.one(url,
                    "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'on_a'"));
            TaskHarness.Tick filled = h.tickWhere(x -> !x.rows(A, onA).isEmpty());
            assertEquals(11, filled.rows(A, onA).size(), "filled anew from the table");
            exec(url, "UPDATE a SET v = 0 WHERE id = 101");
            assertEquals(List.of("-{id=101, unused=3, v=101}", "+{id=101, unused=3, v=0}"),
                    h.tickWhere(x -> !x.changes(A).isEmpty()).changes(A));
        }
    }

    /**
     * The source fails in a tick that also fills a stream table over it: the tick is taken again without
     * that fill (a fill would make the stream table ACTIVE again), and the other source's fill goes on.
     */
    @Test
    void aSourceFailingInATickThatFillsOverItTakesTheTickAgainWithoutTheFill() throws Exception {
        String url = setUp("ddlfill");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            exec(url, "INSERT INTO a VALUES (100, 'abc', 100)");
            spoilBuffer(url);
            exec(url, "INSERT INTO b VALUES (100, 100)",
                    "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
            long onA = Long.parseLong(TaskHarness.one(url,
                    "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'on_a'"));
            long onB = Long.parseLong(TaskHarness.one(url,
                    "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'on_b'"));
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, w=100}"), t.changes(B));
            assertEquals(9, t.rows(B, onB).size(), "on_b is filled");
            assertEquals(List.of(), t.rows(A, onA), "on_a is not");
            assertTrue(t.recordsOf(ChangeRecord.Init.class).stream().allMatch(r -> r.topic().equals(B)));
            assertEquals(List.of(), t.changes(A));
            assertTrue(statuses(url).get(0).startsWith("on_a|ERROR|the changes of source table public.a"));
            assertEquals("true|false", TaskHarness.one(url, "SELECT string_agg(needs_init::text, '|' ORDER BY pgt_name) "
                    + "FROM pgtrickle.pgt_stream_tables"), "on_a still needs its fill, on_b has it");
        }
    }

    /** An initial fill that fails stops only its stream table; the tick is taken again without it. */
    @Test
    void aFailingFillStopsOnlyItsStreamTable() throws Exception {
        String url = setUp("ddlfillfail");
        // a stored value that no longer reads: its enum label was deleted from the catalog by hand
        exec(url, "CREATE TYPE mood AS ENUM ('ok', 'lost')", "CREATE TABLE c (id int PRIMARY KEY, p mood)",
                "INSERT INTO c VALUES (1, 'lost'), (2, 'ok')",
                "SELECT pgtrickle.create_stream_table('on_c', 'SELECT id, p FROM c')",
                "DELETE FROM pg_enum WHERE enumtypid = 'mood'::regtype AND enumlabel = 'lost'",
                "INSERT INTO b VALUES (1, 1)",
                "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true WHERE pgt_name IN ('on_b', 'on_c')");
        long onB = Long.parseLong(TaskHarness.one(url,
                "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'on_b'"));
        String c = TopicNames.changes("trickle", "public", "c");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            assertEquals(List.of("+{id=1, w=1}"), t.rows(B, onB));
            assertTrue(t.recordsOf(ChangeRecord.Init.class).stream().noneMatch(r -> r.topic().equals(c)));
            String onC = statuses(url).get(2);
            assertTrue(onC.startsWith("on_c|ERROR|the initial fill failed at tick " + t.tick + " reading source table "
                    + "public.c: invalid internal value for enum"), onC);
            assertTrue(onC.endsWith(". Fix the cause, then run pgtrickle.refresh_stream_table('public.on_c')"), onC);
            exec(url, "INSERT INTO b VALUES (2, 2)");
            assertEquals(List.of("+{id=2, w=2}"), h.tickWhere(x -> !x.changes(B).isEmpty()).changes(B));
        }
    }

    /**
     * A column a stream table uses is dropped or changes type: exactly the stream tables that use it go to
     * ERROR, saying which source changed and what to do; a star query that only gained a column goes on.
     */
    @Test
    void losingAUsedColumnStopsExactlyTheStreamTablesUsingIt() throws Exception {
        String url = setUp("ddlused");
        exec(url, "SELECT pgtrickle.create_stream_table('star_a', 'SELECT * FROM a')",
                "SELECT pgtrickle.create_stream_table('ids_a', 'SELECT id FROM a WHERE id > 0')");
        withoutCatalogGuards(url);
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            exec(url, "ALTER TABLE a ADD COLUMN extra int", "INSERT INTO b VALUES (100, 100)");
            h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("ids_a|INITIALIZING", "on_a|INITIALIZING", "on_b|INITIALIZING",
                    "star_a|INITIALIZING"), statuses(url), "a column more passes, also under SELECT *");

            exec(url, "ALTER TABLE a DROP COLUMN unused", "INSERT INTO a VALUES (100, 100)",
                    "INSERT INTO b VALUES (101, 101)");
            TaskHarness.Tick dropped = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, v=100, extra=null}"), dropped.changes(A));
            List<String> after = statuses(url);
            assertEquals(List.of("ids_a|INITIALIZING", "on_a|INITIALIZING", "on_b|INITIALIZING"), after.subList(0, 3));
            assertEquals("star_a|ERROR|source table public.a changed at tick " + dropped.tick + ": its query no "
                    + "longer gives column \"unused\" of the stream table. Alter or drop the stream table, or undo the "
                    + "change, then run pgtrickle.refresh_stream_table('public.star_a')", after.get(3));

            exec(url, "ALTER TABLE a ALTER COLUMN v TYPE bigint", "INSERT INTO b VALUES (102, 102)");
            TaskHarness.Tick retyped = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals("on_a|ERROR|source table public.a changed at tick " + retyped.tick + ": its query now gives "
                    + "column \"v\" as int8, the stream table has int4. Alter or drop the stream table, or undo the "
                    + "change, then run pgtrickle.refresh_stream_table('public.on_a')", statuses(url).get(1));

            exec(url, "ALTER TABLE a RENAME COLUMN id TO key", "INSERT INTO b VALUES (103, 103)");
            TaskHarness.Tick renamed = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals("ids_a|ERROR|source table public.a changed at tick " + renamed.tick + ": its query no longer "
                    + "runs (column \"id\" does not exist). Alter or drop the stream table, or undo the change, then "
                    + "run pgtrickle.refresh_stream_table('public.ids_a')", statuses(url).get(0));
            assertEquals("on_b|INITIALIZING", statuses(url).get(2));
            exec(url, "INSERT INTO b VALUES (104, 104)");
            assertEquals(List.of("+{id=104, w=104}"), h.tickWhere(x -> !x.changes(B).isEmpty()).changes(B));
        }
    }

    /**
     * A source whose key is serial, bigserial or an identity column: a change of its columns must not put the
     * stream tables that project the key in ERROR (pgjdbc names such a column by its default, the stream
     * table's copy of it by its type).
     */
    @Test
    void serialAndIdentityKeysPassTheShapeCheck() throws Exception {
        String url = setUp("ddlserial");
        exec(url, "CREATE TABLE s (id bigserial PRIMARY KEY, n serial, g int GENERATED ALWAYS AS IDENTITY, v int)",
                "SELECT pgtrickle.create_stream_table('on_s', 'SELECT id, n, g, v FROM s')");
        withoutCatalogGuards(url);
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            exec(url, "INSERT INTO s (v) VALUES (1)", "ALTER TABLE s ADD COLUMN extra int",
                    "INSERT INTO s (v) VALUES (2)", "INSERT INTO b VALUES (100, 100)");
            h.tickWhere(x -> !x.changes(B).isEmpty());
            exec(url, "INSERT INTO b VALUES (101, 101)");
            h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals("on_s|INITIALIZING", statuses(url).stream().filter(x -> x.startsWith("on_s|")).findFirst()
                    .orElseThrow(), "a source's serial and identity columns are the stream table's integers");
        }
    }

    /**
     * A value that a Connect record cannot carry (numeric NaN has no Decimal form) stops the stream tables
     * over its source, saying why; the task and the other sources go on.
     */
    @Test
    void aValueNoRecordCanCarryStopsOnlyItsSourcesStreamTables() throws Exception {
        String url = setUp("ddlnan");
        exec(url, "CREATE TABLE n (id int PRIMARY KEY, x numeric)",
                "SELECT pgtrickle.create_stream_table('on_n', 'SELECT id, x FROM n')");
        try (TaskHarness h = new TaskHarness(url)) {
            warmUp(h, url);
            exec(url, "INSERT INTO n VALUES (1, 1.5), (2, 'NaN')", "INSERT INTO b VALUES (100, 100)");
            TaskHarness.Tick t = h.tickWhere(x -> !x.changes(B).isEmpty());
            assertEquals(List.of("+{id=100, w=100}"), t.changes(B));
            String onN = statuses(url).stream().filter(x -> x.startsWith("on_n|")).findFirst().orElseThrow();
            assertTrue(onN.startsWith("on_n|ERROR|the changes of source table public.n could not be read at tick "
                    + t.tick + ": numeric NaN has no Connect Decimal form"), onN);
            exec(url, "INSERT INTO b VALUES (101, 101)");
            assertEquals(List.of("+{id=101, w=101}"), h.tickWhere(x -> !x.changes(B).isEmpty()).changes(B));
            assertEquals(0, h.abortRequests);
        }
    }

    /** Trouble that is not one source's: the task keeps retrying with growing pauses instead of dying. */
    @Test
    void aCatalogErrorIsRetriedNotFatal() throws Exception {
        String url = setUp("ddlretry");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            exec(url, "ALTER TABLE pgtrickle.pgt_ticks ADD CONSTRAINT broken CHECK (tick_id < 0) NOT VALID");
            RetriableException e = assertThrows(RetriableException.class, () -> {
                long deadline = System.currentTimeMillis() + TaskHarness.DEADLINE_MS;
                while (System.currentTimeMillis() < deadline) {
                    h.task.poll();
                }
            });
            assertTrue(e.getMessage().contains("broken"), e.getMessage());
            exec(url, "ALTER TABLE pgtrickle.pgt_ticks DROP CONSTRAINT broken", "INSERT INTO b VALUES (1, 1)");
            assertEquals(List.of("+{id=1, w=1}"), h.tickWhere(x -> !x.changes(B).isEmpty()).changes(B));
        }
    }

    /**
     * The catalog as it is where it cannot guard used columns: event triggers need a superuser, and a
     * stream table carried over from an upgrade may lack its dependency view. Then PostgreSQL accepts
     * DROP and ALTER TYPE of a used column, and the source connector must notice. (A catalog without
     * these guards has nothing to remove.)
     */
    static void withoutCatalogGuards(String url) throws Exception {
        exec(url, """
                DO $$
                DECLARE
                    v_name text;
                    v_view oid;
                BEGIN
                    -- the change buffers still follow their sources' columns (pgt_ddl_buffers): that is
                    -- not a guard, and the buffers must keep the sources' shape to be read
                    FOR v_name IN SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'pgt\\_%'
                                                                       AND evtname <> 'pgt_ddl_buffers' LOOP
                        EXECUTE format('ALTER EVENT TRIGGER %I DISABLE', v_name);
                    END LOOP;
                    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'pgtrickle.pgt_stream_tables'::regclass
                               AND attname = 'deps_view' AND NOT attisdropped) THEN
                        FOR v_view IN EXECUTE 'SELECT deps_view FROM pgtrickle.pgt_stream_tables WHERE deps_view IS NOT NULL'
                        LOOP
                            EXECUTE format('DROP VIEW %s', v_view::regclass);
                        END LOOP;
                        EXECUTE 'UPDATE pgtrickle.pgt_stream_tables SET deps_view = NULL';
                    END IF;
                END $$""");
    }

    /**
     * Makes the rows in a's buffer unreadable, as nothing but a hand on the catalog can since buffers are
     * typed: column unused holds an enum value whose label is then deleted from pg_enum.
     */
    private static void spoilBuffer(String url) throws Exception {
        exec(url, "CREATE TYPE spoiled AS ENUM ('lost')",
                "ALTER TABLE pgtrickle_changes." + bufferOf(url, "a") + " ALTER COLUMN unused TYPE spoiled USING 'lost'",
                "DELETE FROM pg_enum WHERE enumtypid = 'spoiled'::regtype");
    }

    static String bufferOf(String url, String source) throws Exception {
        return TaskHarness.one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources WHERE source_name = '" + source + "'");
    }

    static List<String> statuses(String url) throws Exception {
        return column(url, "SELECT pgt_name || '|' || status || coalesce('|' || last_error, '') "
                + "FROM pgtrickle.pgt_stream_tables ORDER BY pgt_name");
    }
}
