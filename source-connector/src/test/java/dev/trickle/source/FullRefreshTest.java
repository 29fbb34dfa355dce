package dev.trickle.source;

import static dev.trickle.source.FullChecks.assertEnds;
import static dev.trickle.source.FullChecks.assertIdle;
import static dev.trickle.source.FullChecks.assertNothingOn;
import static dev.trickle.source.FullChecks.delta;
import static dev.trickle.source.FullChecks.makeFull;
import static dev.trickle.source.FullChecks.query;
import static dev.trickle.source.FullChecks.rows;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Stream tables in FULL mode: the source connector runs their query at the tick snapshot. */
class FullRefreshTest {
    private static final String TOTALS = delta("public", "totals");
    private static final String NAMED = delta("public", "named");
    private static final String TOTALS_SQL = "SELECT kind, count(*) AS n, sum(price) AS total FROM items GROUP BY kind";
    private static final String NAMED_SQL = "SELECT i.id, k.name FROM items i JOIN kinds k USING (kind) "
            + "WHERE random() < 2";

    @Test
    void refreshesAtTheFirstTickAndWhenASourceChangedAndOtherwiseOnlyEndsTheTick() throws Exception {
        String url = TaskHarness.database("full");
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int, price numeric(8,2))",
                "CREATE TABLE kinds (kind int PRIMARY KEY, name text)", "CREATE TABLE other (id int)",
                "INSERT INTO items SELECT g, g % 4, g * 1.25 FROM generate_series(1, 200) g",
                "INSERT INTO kinds VALUES (0, 'zero'), (1, 'one'), (2, 'two')",
                "SELECT pgtrickle.create_stream_table('totals', '" + TOTALS_SQL + "')",
                "SELECT pgtrickle.create_stream_table('named', '" + NAMED_SQL + "')",
                "SELECT pgtrickle.create_stream_table('others', 'SELECT * FROM other')");
        long totals = makeFull(url, "totals");
        long named = makeFull(url, "named");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick first = h.nextTick();
            assertEquals(query(url, TOTALS_SQL), rows(first, TOTALS));
            assertEquals(query(url, NAMED_SQL), rows(first, NAMED));
            assertEquals(150, rows(first, NAMED).size());
            assertEnds(first, TOTALS, totals, true);
            assertEnds(first, NAMED, named, true);
            assertTrue(first.recordsOf(ChangeRecord.Init.class).isEmpty(), "no fill through the change topics");
            assertEquals("2", one(url, "SELECT count(*) FROM pgtrickle.pgt_stream_tables "
                    + "WHERE effective_mode = 'FULL' AND NOT needs_init AND init_tick = " + first.tick));
            assertNothingOn(first, delta("public", "others"));

            TaskHarness.Tick idle = h.nextTick();
            assertIdle(idle, TOTALS, totals);
            assertIdle(idle, NAMED, named);

            // a change of kinds: only the join reads it
            exec(url, "INSERT INTO kinds VALUES (3, 'three')");
            TaskHarness.Tick kinds = h.tickWhere(t -> !t.allRows().isEmpty());
            assertEquals(query(url, NAMED_SQL), rows(kinds, NAMED));
            assertEquals(200, rows(kinds, NAMED).size());
            assertEnds(kinds, NAMED, named, true);
            assertIdle(kinds, TOTALS, totals);

            // a change of a table neither reads
            exec(url, "INSERT INTO other VALUES (1)");
            TaskHarness.Tick unrelated = h.tickWhere(t -> !t.allRows().isEmpty());
            assertIdle(unrelated, TOTALS, totals);
            assertIdle(unrelated, NAMED, named);

            exec(url, "UPDATE items SET price = price + 1 WHERE kind = 2", "DELETE FROM items WHERE id < 10");
            TaskHarness.Tick items = h.tickWhere(t -> !t.allRows().isEmpty());
            assertEquals(query(url, TOTALS_SQL), rows(items, TOTALS));
            assertEquals(query(url, NAMED_SQL), rows(items, NAMED));
            assertEnds(items, TOTALS, totals, true);
            assertEnds(items, NAMED, named, true);
            assertEquals(String.valueOf(first.tick), one(url, "SELECT init_tick FROM pgtrickle.pgt_stream_tables "
                    + "WHERE pgt_name = 'totals'"), "a refresh is not a first fill");
            assertEquals(items.last(), h.commitRequests.get(h.commitRequests.size() - 1),
                    "the tick's last record commits its Kafka transaction");
        }
    }

    /** A result larger than a batch is read with a cursor at the tick's snapshot while writes go on. */
    @Test
    void largeResultsGoOutInBatchesAtTheirSnapshot() throws Exception {
        String url = TaskHarness.database("fullbig");
        String sql = "SELECT id, price * 2 AS doubled FROM items";
        exec(url, "CREATE TABLE items (id int PRIMARY KEY, kind int, price numeric(8,2))",
                "INSERT INTO items SELECT g, g % 3, g FROM generate_series(1, 5000) g",
                "SELECT pgtrickle.create_stream_table('doubled', '" + sql + "')");
        long id = makeFull(url, "doubled");
        String topic = delta("public", "doubled");
        Map<List<String>, Long> before = query(url, sql);
        try (TaskHarness h = new TaskHarness(url, Map.of(SourceConfig.BATCH_SIZE, "400"), null, true);
             Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            List<SourceRecord> first = h.task.poll();
            while (first == null) {
                first = h.task.poll();
            }
            assertEquals(400, first.size());
            s.execute("INSERT INTO items VALUES (5001, 1, 1)");
            s.execute("DELETE FROM items WHERE id = 1");
            s.execute("UPDATE items SET price = 0 WHERE id = 2");
            TaskHarness.Tick rest = h.nextTick();
            assertTrue(h.batchSizes.stream().allMatch(n -> n <= 400), "batches of at most batch.size records");
            List<SourceRecord> all = new ArrayList<>(first);
            all.addAll(rest.records);
            TaskHarness.Tick fill = new TaskHarness.Tick(all);
            assertEquals(before, rows(fill, topic));
            assertEnds(fill, topic, id, true);
            assertEquals(1, h.commitRequests.size(), "the refresh is part of the tick's one Kafka transaction");
            assertEquals(fill.last(), h.commitRequests.get(0));

            TaskHarness.Tick next = h.nextTick();
            assertEquals(query(url, sql), rows(next, topic));
            assertEquals(5000, rows(next, topic).size());
            assertEnds(next, topic, id, true);
        }
    }

    /** Quoted names everywhere; the query resolves unqualified names through the search path stored with it. */
    @Test
    void theQueryRunsUnderItsOwnSearchPath() throws Exception {
        String url = TaskHarness.database("fullpath");
        String sql = "SELECT \"Kind\", count(*) AS \"N\" FROM \"Order Lines\" GROUP BY \"Kind\"";
        exec(url, "CREATE SCHEMA \"Sales \"\"EU\"\"\"",
                "CREATE TABLE \"Sales \"\"EU\"\"\".\"Order Lines\" (id int PRIMARY KEY, \"Kind\" text)",
                "CREATE TABLE public.\"Order Lines\" (id int PRIMARY KEY, \"Kind\" text)",
                "INSERT INTO \"Sales \"\"EU\"\"\".\"Order Lines\" SELECT g, 'eu ' || (g % 3) FROM generate_series(1, 30) g",
                "INSERT INTO public.\"Order Lines\" SELECT g, 'public ' || (g % 2) FROM generate_series(1, 10) g",
                "SELECT pgtrickle.create_stream_table('\"Lines Per Kind\"', '" + sql.replace("'", "''") + "')",
                "SET search_path TO \"Sales \"\"EU\"\"\", public",
                "SELECT pgtrickle.create_stream_table('\"Sales \"\"EU\"\"\".\"Lines \"\"Per\"\" Kind\"', '"
                        + sql.replace("'", "''") + "')",
                "RESET search_path",
                "SELECT pgtrickle.create_stream_table('qualified', 'SELECT count(*) AS n FROM public.\"Order Lines\"')",
                "UPDATE pgtrickle.pgt_stream_tables SET search_path = '{}' WHERE pgt_name = 'qualified'");
        assertEquals("{\"Sales \\\"EU\\\"\",public}", one(url, "SELECT search_path FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_schema = 'Sales \"EU\"'"));
        long eu = makeFull(url, "Lines \"Per\" Kind");
        long pub = makeFull(url, "Lines Per Kind");
        long qualified = makeFull(url, "qualified");
        String euTopic = TopicNames.delta("trickle", "Sales \"EU\"", "Lines \"Per\" Kind");
        String pubTopic = delta("public", "Lines Per Kind");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            Map<List<String>, Long> euRows = query(url, sql.replace("FROM \"Order Lines\"",
                    "FROM \"Sales \"\"EU\"\"\".\"Order Lines\""));
            assertEquals(3, euRows.size());
            assertEquals(euRows, rows(t, euTopic));
            assertEquals(query(url, sql), rows(t, pubTopic));
            assertEquals(2, rows(t, pubTopic).size());
            assertEnds(t, euTopic, eu, true);
            assertEnds(t, pubTopic, pub, true);
            // an empty search path: only qualified names (and pg_catalog) resolve
            assertEquals(Map.of(List.of("10"), 1L), rows(t, delta("public", "qualified")));
            assertEnds(t, delta("public", "qualified"), qualified, true);

            exec(url, "INSERT INTO \"Sales \"\"EU\"\"\".\"Order Lines\" VALUES (31, 'eu new')");
            TaskHarness.Tick changed = h.tickWhere(x -> !x.allRows().isEmpty());
            assertEquals(4, rows(changed, euTopic).size());
            assertIdle(changed, pubTopic, pub);
        }
    }

    /** Nothing happens for a stream table until the streams app has set its effective mode. */
    @Test
    void waitsForTheEffectiveMode() throws Exception {
        String url = TaskHarness.database("fullwait");
        exec(url, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)",
                "SELECT pgtrickle.create_stream_table('wanted_full', 'SELECT count(*) FROM t', refresh_mode => 'FULL')");
        String topic = delta("public", "wanted_full");
        try (TaskHarness h = new TaskHarness(url)) {
            TaskHarness.Tick t = h.nextTick();
            assertNothingOn(t, topic);
            // ready, but no effective mode yet: neither a fill through the change topics nor a refresh
            exec(url, "UPDATE pgtrickle.pgt_stream_tables SET engine_ready = true");
            t = h.nextTick();
            t = h.nextTick();
            assertNothingOn(t, topic);
            assertTrue(t.recordsOf(ChangeRecord.Init.class).isEmpty());
            long id = makeFull(url, "wanted_full");
            t = h.tickWhere(x -> !x.delta(topic).isEmpty());
            assertEquals(Map.of(List.of("2"), 1L), rows(t, topic));
            assertEnds(t, topic, id, true);
            assertTrue(t.recordsOf(ChangeRecord.Init.class).isEmpty());
        }
    }
}
