package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stream tables with a unique key (recorded as the streams app records it, through pgtrickle._set_row_key):
 * the key's unique index replaces the whole-row hash index, and the sink applies deltas by key, still equal to
 * the query and still catching divergence.
 */
class SinkKeyedApplyTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_keyed");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String topic(String name) {
        return TopicNames.delta("trickle", "public", name);
    }

    private static String setKey(long id, String key) throws SQLException {
        return h.one("SELECT pgtrickle._set_row_key(" + id + ", " + key + ")");
    }

    /** The stream table's indexes, as "unique:definition" sorted. */
    private static List<List<String>> indexes(String table) throws SQLException {
        return h.rows("SELECT i.indisunique, pg_get_indexdef(i.indexrelid) LIKE '%hash_record_extended%', "
                + "(SELECT string_agg(a.attname, ',' ORDER BY k.o) FROM unnest(i.indkey) WITH ORDINALITY k(n, o) "
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) "
                + "FROM pg_index i WHERE i.indrelid = '" + table + "'::regclass ORDER BY 1, 3");
    }

    private static String status(long id) throws SQLException {
        return h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
    }

    @Test
    void anAggregateIsAppliedByItsGroupKeyIncludingTheNullGroup() throws SQLException {
        h.exec("CREATE TABLE sales (id int PRIMARY KEY, region text, amount numeric(10,2))",
                "INSERT INTO sales VALUES (1, 'north', 10), (2, 'north', 5), (3, NULL, 7), (4, 'south', 1)");
        String q = "SELECT region, sum(amount) AS total, count(*) AS n FROM sales GROUP BY region";
        long id = h.createStreamTable("region_totals", q);
        assertEquals("{region}", setKey(id, "'{region}'"));
        // the key's unique index in place of the whole-row hash index
        assertEquals(List.of(List.of("t", "f", "region")), indexes("region_totals"));
        assertTrue(h.one("SELECT pg_get_indexdef(key_index) FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id)
                .contains("NULLS NOT DISTINCT"));
        String t = topic("region_totals");
        h.put(h.row(t, 0, 1, 1, "north", "15.00", "2"), h.row(t, 0, 1, 1, null, "7.00", "1"),
                h.row(t, 0, 1, 1, "south", "1.00", "1"), h.end(t, 1, id, true));
        h.assertContent("region_totals", q);

        // non-key columns change, in the NULL group too
        h.exec("UPDATE sales SET amount = amount + 1 WHERE id IN (1, 3)");
        h.put(h.row(t, 0, 2, -1, "north", "15.00", "2"), h.row(t, 0, 2, 1, "north", "16.00", "2"),
                h.row(t, 0, 2, -1, null, "7.00", "1"), h.row(t, 0, 2, 1, null, "8.00", "1"), h.end(t, 2, id, false));
        h.assertContent("region_totals", q);

        // a group goes, another comes (the key moves), and a row moves into the NULL group
        h.exec("UPDATE sales SET region = 'west' WHERE id = 4", "UPDATE sales SET region = NULL WHERE id = 2");
        h.put(h.row(t, 0, 3, -1, "south", "1.00", "1"), h.row(t, 0, 3, 1, "west", "1.00", "1"),
                h.row(t, 0, 3, -1, "north", "16.00", "2"), h.row(t, 0, 3, 1, "north", "11.00", "1"),
                h.row(t, 0, 3, -1, null, "8.00", "1"), h.row(t, 0, 3, 1, null, "13.00", "2"), h.end(t, 3, id, false));
        h.assertContent("region_totals", q);
        assertEquals("ACTIVE", status(id));
        assertEquals(List.of(List.of("3", "3")), h.rows("SELECT rows_inserted, rows_deleted "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND tick_id = 3"));
    }

    @Test
    void aCompositeKeyWithNullsInAnyOfItsColumnsFindsItsRows() throws SQLException {
        h.exec("CREATE TABLE pairs (a text, b int, v int)");
        String q = "SELECT a, b, sum(v) AS v FROM pairs GROUP BY a, b";
        long id = h.createStreamTable("pair_sums", q);
        assertEquals("{a,b}", setKey(id, "'{a,b}'"));
        String t = topic("pair_sums");
        h.exec("INSERT INTO pairs VALUES ('x', 1, 1), (NULL, 1, 2), ('x', NULL, 3), (NULL, NULL, 4)");
        h.put(h.row(t, 0, 1, 1, "x", "1", "1"), h.row(t, 0, 1, 1, null, "1", "2"), h.row(t, 0, 1, 1, "x", null, "3"),
                h.row(t, 0, 1, 1, null, null, "4"), h.end(t, 1, id, true));
        h.exec("UPDATE pairs SET v = v * 10");
        h.put(h.row(t, 0, 2, -1, "x", "1", "1"), h.row(t, 0, 2, 1, "x", "1", "10"),
                h.row(t, 0, 2, -1, null, "1", "2"), h.row(t, 0, 2, 1, null, "1", "20"),
                h.row(t, 0, 2, -1, "x", null, "3"), h.row(t, 0, 2, 1, "x", null, "30"),
                h.row(t, 0, 2, -1, null, null, "4"), h.row(t, 0, 2, 1, null, null, "40"), h.end(t, 2, id, false));
        h.assertContent("pair_sums", q);
        assertEquals("ACTIVE", status(id));
    }

    @Test
    void aDeleteThatFindsADifferentRowOrNoneUnderItsKeyIsDivergence() throws SQLException {
        h.exec("CREATE TABLE items (id int PRIMARY KEY, name text)");
        long id = h.createStreamTable("item_copy", "SELECT id, name FROM items");
        setKey(id, "'{id}'");
        String t = topic("item_copy");
        h.put(h.row(t, 0, 1, 1, "1", "a"), h.row(t, 0, 1, 1, "2", "b"), h.end(t, 1, id, true));
        // key 1 holds 'a', not 'z': nothing of the tick is written
        h.put(h.row(t, 0, 2, -1, "1", "z"), h.row(t, 0, 2, 1, "1", "y"), h.end(t, 2, id, false));
        assertEquals("ERROR", status(id));
        assertTrue(h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id)
                .contains("it no longer equals its query"));
        h.assertContent("item_copy", "VALUES (1, 'a'), (2, 'b')");

        h.exec("CREATE TABLE items2 (id int PRIMARY KEY, name text)");
        long id2 = h.createStreamTable("item_copy2", "SELECT id, name FROM items2");
        setKey(id2, "'{id}'");
        String t2 = topic("item_copy2");
        h.put(h.row(t2, 0, 1, 1, "1", "a"), h.end(t2, 1, id2, true));
        h.put(h.row(t2, 0, 2, -1, "3", "c"), h.end(t2, 2, id2, false));
        assertEquals("ERROR", status(id2));
        h.assertContent("item_copy2", "VALUES (1, 'a')");
    }

    /**
     * A delta of a few thousand rows is deleted through the key's unique index, one probe per row, as a small one
     * is: left to itself the planner joins so many rows of the (unanalysed) temporary table by a merge join that
     * reads the whole index, or a hash join over the whole table. Stream table and query stay equal.
     */
    @Test
    void aLargeKeyedDeltaIsDeletedThroughTheKeysIndexOneProbePerRow() throws SQLException, InterruptedException {
        int rows = 20_000;
        int changed = 6_000;
        h.exec("CREATE TABLE wide (id int PRIMARY KEY, v int)",
                "INSERT INTO wide SELECT i, i FROM generate_series(1, " + rows + ") i");
        String q = "SELECT id, v FROM wide";
        long id = h.createStreamTable("wide_copy", q);
        setKey(id, "'{id}'");
        String t = topic("wide_copy");
        List<org.apache.kafka.connect.sink.SinkRecord> fill = new java.util.ArrayList<>();
        for (int i = 1; i <= rows; i++) {
            fill.add(h.row(t, 0, 1, 1, String.valueOf(i), String.valueOf(i)));
        }
        fill.add(h.end(t, 1, id, true));
        h.put(fill);
        h.assertContent("wide_copy", q);
        String probes = "SELECT coalesce(sum(s.idx_scan), 0) FROM pg_stat_user_indexes s "
                + "JOIN pgtrickle.pgt_stream_tables p ON s.indexrelid = p.key_index WHERE p.pgt_id = " + id;
        long before = Long.parseLong(h.one(probes));

        h.exec("UPDATE wide SET v = v + 1 WHERE id <= " + changed);
        List<org.apache.kafka.connect.sink.SinkRecord> tick = new java.util.ArrayList<>();
        for (int i = 1; i <= changed; i++) {
            tick.add(h.row(t, 0, 2, -1, String.valueOf(i), String.valueOf(i)));
            tick.add(h.row(t, 0, 2, 1, String.valueOf(i), String.valueOf(i + 1)));
        }
        tick.add(h.end(t, 2, id, false));
        h.put(tick);
        h.assertContent("wide_copy", q);
        assertEquals("ACTIVE", status(id));
        // the sink's backend reports its index use when it is next idle (within about 10 s)
        long deadline = System.nanoTime() + 60_000_000_000L;
        long probed = 0;
        while (System.nanoTime() < deadline && (probed = Long.parseLong(h.one(probes)) - before) < changed) {
            Thread.sleep(200);
        }
        assertTrue(probed >= changed, "the key's index was probed " + probed + " times for " + changed + " deletes");
    }

    /**
     * A key whose row changed is one UPDATE of the stored row (KeyedDelta), matched by its whole old value: values
     * that record literals and COPY must quote (quotes, backslashes, commas, parentheses, tabs, newlines, the empty
     * string, NULL), numerics and dates come through, mixed with deletes and inserts in one tick.
     */
    @Test
    void aKeyWhoseRowChangedIsUpdatedInPlaceWhateverItsValues() throws SQLException, InterruptedException {
        h.exec("CREATE TABLE notes (id int PRIMARY KEY, body text, amount numeric(12,2), day date)",
                "INSERT INTO notes VALUES (1, 'say \"hi\", (then) go', 1.50, '2024-01-01'), "
                        + "(2, E'back\\\\slash\\ttab\\nline', NULL, '2024-01-02'), (3, '', 3, NULL), (4, 'gone', 4, '2024-01-04')");
        String q = "SELECT id, body, amount, day FROM notes";
        long id = h.createStreamTable("note_copy", q);
        setKey(id, "'{id}'");
        String t = topic("note_copy");
        List<List<String>> before = h.rows("SELECT id::text, body, amount::text, day::text FROM notes ORDER BY id");
        List<org.apache.kafka.connect.sink.SinkRecord> fill = new java.util.ArrayList<>();
        for (List<String> r : before) {
            fill.add(h.row(t, 0, 1, 1, r.toArray(String[]::new)));
        }
        fill.add(h.end(t, 1, id, true));
        h.put(fill);
        h.assertContent("note_copy", q);
        String updates = "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'note_copy'::regclass";
        long updatedBefore = Long.parseLong(h.one(updates));

        h.exec("UPDATE notes SET body = body || E'\\t\"', amount = 2.25 WHERE id = 1",
                "UPDATE notes SET body = NULL, day = '2025-12-31' WHERE id = 2", "UPDATE notes SET body = ',' WHERE id = 3",
                "DELETE FROM notes WHERE id = 4", "INSERT INTO notes VALUES (5, ')', 5, '2024-01-05')");
        List<List<String>> after = h.rows("SELECT id::text, body, amount::text, day::text FROM notes ORDER BY id");
        List<org.apache.kafka.connect.sink.SinkRecord> tick = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tick.add(h.row(t, 0, 2, -1, before.get(i).toArray(String[]::new)));
            tick.add(h.row(t, 0, 2, 1, after.get(i).toArray(String[]::new)));
        }
        tick.add(h.row(t, 0, 2, -1, before.get(3).toArray(String[]::new)));
        tick.add(h.row(t, 0, 2, 1, after.get(3).toArray(String[]::new)));
        tick.add(h.end(t, 2, id, false));
        h.put(tick);
        h.assertContent("note_copy", q);
        assertEquals("ACTIVE", status(id));
        assertEquals(List.of(List.of("4", "4")), h.rows("SELECT rows_inserted, rows_deleted "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND tick_id = 2"));
        // the three changed keys were updated, not deleted and inserted again (the statistics come within seconds)
        long deadline = System.nanoTime() + 60_000_000_000L;
        long updated = 0;
        while (System.nanoTime() < deadline && (updated = Long.parseLong(h.one(updates)) - updatedBefore) < 3) {
            Thread.sleep(200);
        }
        assertEquals(3, updated);

        // an update whose old row is not the stored one is a delete short: nothing of the tick is written
        h.put(h.row(t, 0, 3, -1, "5", "(", "5.00", "2024-01-05"), h.row(t, 0, 3, 1, "5", "x", "5.00", "2024-01-05"),
                h.end(t, 3, id, false));
        assertEquals("ERROR", status(id));
        h.assertContent("note_copy", q);
    }

    @Test
    void aKeyThatNoLongerHoldsPutsTheStreamTableInErrorAndBackOnWholeRows() throws SQLException {
        h.exec("CREATE TABLE dups (k int, v int)");
        long id = h.createStreamTable("dup_copy", "SELECT k, v FROM dups");
        setKey(id, "'{k}'");
        String t = topic("dup_copy");
        h.put(h.row(t, 0, 1, 1, "1", "1"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, 1, "1", "2"), h.end(t, 2, id, false));
        assertEquals("ERROR", status(id));
        String error = h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
        assertTrue(error.contains("key") && error.contains("refresh_stream_table"), error);
        assertNull(h.one("SELECT row_key FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals(List.of(Arrays.asList("f", "t", null)), indexes("dup_copy"));
        h.assertContent("dup_copy", "VALUES (1, 1)");
        // a new fill with the repeated key goes in by whole rows
        h.exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'INITIALIZING' WHERE pgt_id = " + id);
        h.put(h.row(t, 0, 3, 1, "1", "1"), h.row(t, 0, 3, 1, "1", "2"), h.end(t, 3, id, true));
        h.assertContent("dup_copy", "VALUES (1, 1), (1, 2)");
        assertEquals("ACTIVE", status(id));
    }

    @Test
    void aKeyThatChangesMovesTheIndexAndAMissingIndexFallsBackToWholeRows() throws SQLException {
        h.exec("CREATE TABLE moves (a int, b int, c text)");
        long id = h.createStreamTable("move_copy", "SELECT a, b, c FROM moves");
        String t = topic("move_copy");
        assertEquals(List.of(Arrays.asList("f", "t", null)), indexes("move_copy"));
        setKey(id, "'{a}'");
        h.put(h.row(t, 0, 1, 1, "1", "1", "x"), h.row(t, 0, 1, 1, "2", "1", "y"), h.end(t, 1, id, true));
        assertEquals(List.of(List.of("t", "f", "a")), indexes("move_copy"));
        // the same key again changes nothing; a new key replaces the index
        String before = h.one("SELECT key_index FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
        setKey(id, "'{a}'");
        assertEquals(before, h.one("SELECT key_index FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals("{b,a}", setKey(id, "'{b,a}'"));
        assertEquals(List.of(List.of("t", "f", "b,a")), indexes("move_copy"));
        h.put(h.row(t, 0, 2, -1, "1", "1", "x"), h.row(t, 0, 2, 1, "1", "1", "z"), h.end(t, 2, id, false));
        h.assertContent("move_copy", "VALUES (1, 1, 'z'), (2, 1, 'y')");
        // a user drops the key's index: whole rows, still right (without any index)
        h.exec("DROP INDEX " + h.one("SELECT key_index::regclass FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        h.put(h.row(t, 0, 3, -1, "2", "1", "y"), h.row(t, 0, 3, 1, "2", "2", "y"), h.end(t, 3, id, false));
        h.assertContent("move_copy", "VALUES (1, 1, 'z'), (2, 2, 'y')");
        // no key any more: the whole-row hash index comes back
        assertNull(setKey(id, "NULL"));
        assertEquals(List.of(Arrays.asList("f", "t", null)), indexes("move_copy"));
        h.put(h.row(t, 0, 4, -1, "2", "2", "y"), h.end(t, 4, id, false));
        h.assertContent("move_copy", "VALUES (1, 1, 'z')");
        assertEquals("ACTIVE", status(id));
    }

    @Test
    void aKeyThatCannotBeIndexedLeavesWholeRows() throws SQLException {
        h.exec("CREATE TABLE docs (id int, doc json)");
        long id = h.createStreamTable("doc_copy", "SELECT id, doc FROM docs");
        // json has no equality: whole rows (the table had no hash index either)
        assertNull(setKey(id, "'{id}'"));
        assertNull(h.one("SELECT row_key FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        String t = topic("doc_copy");
        h.put(h.row(t, 0, 1, 1, "1", "{\"a\": 1}"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, -1, "1", "{\"a\": 1}"), h.row(t, 0, 2, 1, "1", "[]"), h.end(t, 2, id, false));
        assertEquals(List.of(List.of("1", "[]")), h.rows("SELECT id, doc::text FROM doc_copy"));
        // a global aggregate: at most one row, no index at all
        h.exec("CREATE TABLE nums (x int)");
        long one = h.createStreamTable("num_count", "SELECT count(*) AS n FROM nums");
        assertEquals("{}", setKey(one, "'{}'"));
        assertEquals(List.of(), indexes("num_count"));
        String t1 = topic("num_count");
        h.put(h.row(t1, 0, 1, 1, "0"), h.end(t1, 1, one, true));
        h.put(h.row(t1, 0, 2, -1, "0"), h.row(t1, 0, 2, 1, "3"), h.end(t1, 2, one, false));
        h.assertContent("num_count", "VALUES (3::bigint)");
    }
}
