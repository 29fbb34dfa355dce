package dev.trickle.source;

import static dev.trickle.source.TaskHarness.column;
import static dev.trickle.source.TaskHarness.exec;
import static dev.trickle.source.TaskHarness.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Buffers shrink as Kafka takes ticks; a dropped source fails only the stream tables that read it. */
class CleanupAndDropTest {

    @Test
    void buffersKeepOnlyWhatKafkaDoesNotHaveYet() throws Exception {
        String url = TaskHarness.database("cleanup");
        exec(url, "CREATE TABLE orders (id int PRIMARY KEY, note text)", "CREATE TABLE bag (a int)",
                "SELECT pgtrickle.create_stream_table('o', 'SELECT * FROM orders')",
                "SELECT pgtrickle.create_stream_table('g', 'SELECT * FROM bag')");
        String buffer = "pgtrickle_changes." + one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources "
                + "WHERE source_name = 'orders'");
        String bagBuffer = "pgtrickle_changes." + one(url, "SELECT buffer_table FROM pgtrickle.pgt_sources "
                + "WHERE source_name = 'bag'");
        try (TaskHarness h = new TaskHarness(url); Connection open = EmbeddedPg.connect(url)) {
            // identical records (duplicate rows of a keyless table) must not hold the cleanup up
            exec(url, "INSERT INTO orders VALUES (1, 'a')", "INSERT INTO bag VALUES (5), (5)");
            TaskHarness.Tick t1 = h.nextTick();
            exec(url, "INSERT INTO orders VALUES (2, 'b')");
            TaskHarness.Tick t2 = h.nextTick();
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("INSERT INTO orders VALUES (3, 'still open')");
            }
            exec(url, "INSERT INTO orders VALUES (4, 'd')");
            TaskHarness.Tick t3 = h.nextTick();
            assertEquals(1, t3.changes(TopicNames.changes("trickle", "public", "orders")).size());

            h.acknowledge(t1);
            h.acknowledge(t2);
            h.nextTick();
            // ticks 1 and 2 are in Kafka: their rows are gone; tick 3 (not acknowledged) keeps its row
            assertEquals(List.of("4"), column(url, "SELECT id FROM " + buffer + " ORDER BY __pgt_change_id"));
            assertEquals("0", one(url, "SELECT count(*) FROM " + bagBuffer));
            assertEquals("0", one(url, "SELECT count(*) FROM " + buffer + " WHERE pg_visible_in_snapshot(__pgt_xid, "
                    + "(SELECT snapshot FROM pgtrickle.pgt_ticks WHERE tick_id = 2))"));
            open.commit();
            assertTrue(h.tickWhere(t -> !t.allRows().isEmpty()).allRows().get(0).values().containsValue("still open"));
            assertEquals(List.of("3", "4"), column(url, "SELECT id FROM " + buffer + " ORDER BY __pgt_change_id"));
        }
    }

    @Test
    void aDroppedSourceFailsItsStreamTablesAndTheOthersGoOn() throws Exception {
        String url = TaskHarness.database("dropped");
        exec(url, "CREATE TABLE a (id int PRIMARY KEY)", "CREATE TABLE b (id int PRIMARY KEY)",
                "SELECT pgtrickle.create_stream_table('on_a', 'SELECT * FROM a')",
                "SELECT pgtrickle.create_stream_table('on_both', 'SELECT a.id FROM a JOIN b USING (id)')",
                "SELECT pgtrickle.create_stream_table('on_b', 'SELECT * FROM b')");
        String topicB = TopicNames.changes("trickle", "public", "b");
        try (TaskHarness h = new TaskHarness(url)) {
            h.nextTick();
            // a source gone without the catalog's sql_drop event trigger (a catalog installed by a non-superuser):
            // PostgreSQL lets it go only with CASCADE, which takes the stream tables' dependency views along
            exec(url, "ALTER EVENT TRIGGER pgt_sql_drop DISABLE", "DROP TABLE a CASCADE",
                    "ALTER EVENT TRIGGER pgt_sql_drop ENABLE", "INSERT INTO b VALUES (7)");
            TaskHarness.Tick t = h.nextTick();
            assertEquals(List.of("+{id=7}"), t.changes(topicB));
            Set<String> topics = t.records.stream().map(r -> r.topic()).collect(Collectors.toSet());
            assertEquals(Set.of(topicB), topics, "markers only on sources that still exist");
            assertEquals(List.of("on_a|ERROR|source table public.a was dropped; drop the stream table or recreate it",
                            "on_b|INITIALIZING|", "on_both|ERROR|source table public.a was dropped; drop the stream "
                                    + "table or recreate it"),
                    column(url, "SELECT pgt_name || '|' || status || '|' || coalesce(last_error, '') "
                            + "FROM pgtrickle.pgt_stream_tables ORDER BY pgt_name"));
            exec(url, "INSERT INTO b VALUES (8)");
            assertEquals(List.of("+{id=8}"), h.nextTick().changes(topicB));
        }
    }
}
