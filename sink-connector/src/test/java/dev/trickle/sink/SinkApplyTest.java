package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.TopicNames;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a stream table holds after the sink applied ticks: the multiset its deltas add up to. */
class SinkApplyTest {
    private static SinkHarness h;

    @BeforeAll
    static void start() {
        h = new SinkHarness("sink_apply");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static String topic(String schema, String name) {
        return TopicNames.delta("trickle", schema, name);
    }

    @Test
    void ticksKeepTheStreamTableEqualToItsQuery() throws SQLException {
        h.exec("CREATE TABLE orders (id int PRIMARY KEY, customer int, amount numeric(10,2))",
                "INSERT INTO orders VALUES (1, 1, 10.50), (2, 1, 4.50), (3, 2, 7)");
        String q = "SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer";
        long id = h.createStreamTable("order_totals", q);
        String t = topic("public", "order_totals");
        h.put(h.row(t, 0, 1, 1, "1", "15.00", "2"), h.row(t, 0, 1, 1, "2", "7.00", "1"), h.end(t, 1, id, true));
        h.assertContent("order_totals", q);
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));

        h.exec("UPDATE orders SET amount = 5.50 WHERE id = 2", "INSERT INTO orders VALUES (4, 3, 1)");
        h.put(h.row(t, 0, 2, -1, "1", "15.00", "2"), h.row(t, 0, 2, 1, "1", "16.00", "2"),
                h.row(t, 0, 2, 1, "3", "1.00", "1"), h.end(t, 2, id, false));
        h.assertContent("order_totals", q);

        h.exec("DELETE FROM orders WHERE customer = 2");
        h.put(h.row(t, 0, 3, -1, "2", "7.00", "1"), h.end(t, 3, id, false));
        h.assertContent("order_totals", q);

        assertEquals(List.of(List.of("3", "ACTIVE", "t", "t")), h.rows("SELECT last_tick, status, "
                + "data_timestamp = to_timestamp(" + (SinkHarness.TICK_MILLIS + 3000) + " / 1000.0), last_error IS NULL "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals("3", h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id));
        assertEquals(List.of(List.of("1", "t", "2", "0"), List.of("2", "f", "2", "1"), List.of("3", "f", "0", "1")),
                h.rows("SELECT tick_id, initial, rows_inserted, rows_deleted FROM pgtrickle.pgt_refresh_history "
                        + "WHERE pgt_id = " + id + " AND duration_ms >= 0 ORDER BY refresh_id"));

        // an idle tick advances the stream table without a history row
        h.put(h.end(t, 4, id, false));
        assertEquals("4", h.one("SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        assertEquals("4", h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id));
        assertEquals("3", h.one("SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id));
    }

    /**
     * The shipped default: records without a schema (JsonConverter, schemas.enable=false) reach the task as maps;
     * the sink reads each value by the stream table's column type from the catalog, exactly.
     */
    @Test
    void schemalessRecordsAreReadByTheStreamTablesColumnTypes() throws SQLException {
        h.exec("CREATE TABLE schemaless_src (id int PRIMARY KEY, amount numeric(10,2), ratio double precision, placed timestamptz, "
                + "day date, raw bytea, note text)",
                "INSERT INTO schemaless_src VALUES (1, 12.00, 'NaN', '2024-01-15 10:30:00.25+00', 'infinity', '\\x00ff', 'a'), "
                + "(2, -0.50, 1e-300, '0044-03-15 12:00:00+00 BC', '2024-02-29', NULL, NULL)");
        String q = "SELECT id, amount, ratio, placed, day, raw, note FROM schemaless_src";
        long id = h.createStreamTable("schemaless_copy", q);
        String t = topic("public", "schemaless_copy");
        List<String> columns = List.of("id", "amount", "ratio", "placed", "day", "raw", "note");
        dev.trickle.core.connect.DeltaRecords schemas = dev.trickle.core.connect.TopicSchemas.delta(t, columns,
                List.of("integer", "numeric(10,2)", "double precision", "timestamp with time zone", "date", "bytea", "text"),
                List.of(), dev.trickle.core.connect.DecimalHandling.STRING);
        org.apache.kafka.connect.json.JsonConverter json = new org.apache.kafka.connect.json.JsonConverter();
        json.configure(java.util.Map.of("schemas.enable", "false"), false);
        List<dev.trickle.core.records.DeltaRecord> records = List.of(
                new dev.trickle.core.records.DeltaRecord.Row(1, 1, java.util.Arrays.asList("1", "12.00", "NaN",
                        "2024-01-15 10:30:00.25+00", "infinity", "\\x00ff", "a")),
                new dev.trickle.core.records.DeltaRecord.Row(1, 1, java.util.Arrays.asList("2", "-0.50", "1e-300",
                        "0044-03-15 12:00:00+00 BC", "2024-02-29", null, null)),
                new dev.trickle.core.records.DeltaRecord.End(1, id, 0, 1, 1, SinkHarness.TICK_MILLIS + 1000, true));
        List<SinkRecord> in = new ArrayList<>();
        for (dev.trickle.core.records.DeltaRecord r : records) {
            Object map = json.toConnectData(t, json.fromConnectData(t, schemas.valueSchema(), schemas.value(r))).value();
            assertTrue(map instanceof java.util.Map, "a schemaless record reaches the task as a map");
            in.add(h.record(t, 0, map));
        }
        h.put(in.toArray(new SinkRecord[0]));
        h.assertContent("schemaless_copy", q);
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void duplicatesAndNullsKeepMultisetSemantics() throws SQLException {
        h.exec("CREATE TABLE bag (a text, b int)");
        long id = h.createStreamTable("bag_copy", "SELECT a, b FROM bag");
        String t = topic("public", "bag_copy");
        h.put(h.row(t, 0, 1, 3, "x", "1"), h.row(t, 0, 1, 2, null, null), h.row(t, 0, 1, 1, "x", null),
                h.end(t, 1, id, true));
        h.assertContent("bag_copy", "VALUES ('x', 1), ('x', 1), ('x', 1), (NULL, NULL), (NULL, NULL), ('x', NULL)");

        // delete 1 of 3 identical rows, 1 of 2 all-NULL rows; a +1/-1 pair within one tick cancels out
        h.put(h.row(t, 0, 2, -1, "x", "1"), h.row(t, 0, 2, -1, null, null), h.row(t, 0, 2, 1, "y", "2"),
                h.row(t, 0, 2, -1, "y", "2"), h.row(t, 0, 2, 2, "z", null), h.end(t, 2, id, false));
        h.assertContent("bag_copy", "VALUES ('x', 1), ('x', 1), (NULL, NULL), ('x', NULL), ('z', NULL), ('z', NULL)");
        assertEquals(List.of(List.of("2", "2")), h.rows("SELECT rows_inserted, rows_deleted "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND tick_id = 2"));
    }

    @Test
    void namesThatNeedQuotingWork() throws SQLException {
        h.exec("CREATE SCHEMA \"Sales Dept\"",
                "CREATE TABLE \"Sales Dept\".\"Odd \"\"Source\"\"\" (\"Mixed \"\"Case\"\"\" text, \"select\" int)");
        long id = h.createStreamTable("\"Sales Dept\".\"Order Totals\"", "SELECT \"Mixed \"\"Case\"\"\", "
                + "\"select\", \"select\" * 2 AS __pgt_weight FROM \"Sales Dept\".\"Odd \"\"Source\"\"\"");
        String t = topic("Sales Dept", "Order Totals");
        String st = "\"Sales Dept\".\"Order Totals\"";
        h.put(h.row(t, 0, 1, 1, "a'b", "1", "2"), h.row(t, 0, 1, 2, "\"q\"", "2", "4"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, -1, "\"q\"", "2", "4"), h.end(t, 2, id, false));
        h.assertContent(st, "VALUES ('a''b', 1, 2), ('\"q\"', 2, 4)");
        assertEquals("\"Mixed \"\"Case\"\"\"", h.one("SELECT quote_ident(attname) FROM pg_attribute "
                + "WHERE attrelid = '" + st.replace("'", "''") + "'::regclass AND attnum = 1"));
    }

    @Test
    void valuesSurviveCopyEscaping() throws SQLException {
        h.exec("CREATE TABLE typed_src (id int, n numeric, ts timestamp, tz timestamptz, t text, arr int[], j jsonb)");
        long id = h.createStreamTable("typed", "SELECT * FROM typed_src");
        String t = topic("public", "typed");
        String nasty = "tab\there back\\slash\nnew\rline \\N \\. end";
        String[] row1 = {"1", "12345678901234567890.000001", "2024-02-29 23:59:59.123456", "2024-01-01 00:00:00+00",
                nasty, "{1,NULL,3}", "{\"a\": \"b\\\\c\\t\"}"};
        String[] row2 = {"2", "-0.5", "infinity", "2024-06-01 12:00:00+02", "", "{}", "null"};
        h.put(h.row(t, 0, 1, 2, row1), h.row(t, 0, 1, 1, row2), h.end(t, 1, id, true));
        assertEquals("3", h.one("SELECT count(*) FROM typed"));
        assertEquals(nasty, h.one("SELECT t FROM typed WHERE id = 1 LIMIT 1"));
        assertEquals("", h.one("SELECT t FROM typed WHERE id = 2"));
        assertEquals("t", h.one("SELECT n = 12345678901234567890.000001 AND ts = '2024-02-29 23:59:59.123456' "
                + "AND tz = '2024-01-01 00:00:00+00' AND arr = '{1,NULL,3}' AND j = '{\"a\": \"b\\\\c\\t\"}' "
                + "FROM typed WHERE id = 1 LIMIT 1"));

        // deleting finds the rows again by their exact values (through the row hash index)
        h.put(h.row(t, 0, 2, -1, row1), h.row(t, 0, 2, -1, row2), h.end(t, 2, id, false));
        assertEquals(List.of(List.of("1", nasty)), h.rows("SELECT id, t FROM typed"));
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void anInitialTickReplacesTheContent() throws SQLException {
        h.exec("CREATE TABLE things (v int)");
        long id = h.createStreamTable("thing_copy", "SELECT v FROM things");
        String t = topic("public", "thing_copy");
        h.put(h.row(t, 0, 1, 1, "1"), h.row(t, 0, 1, 1, "2"), h.row(t, 0, 1, 1, "3"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, 1, "4"), h.end(t, 2, id, false));
        // re-initialisation, e.g. after pgtrickle.refresh_stream_table: the delta is the whole content
        h.put(h.row(t, 0, 3, 2, "9"), h.end(t, 3, id, true));
        h.assertContent("thing_copy", "VALUES (9), (9)");
        assertEquals(List.of(List.of("3", "t", "2", "4")), h.rows("SELECT tick_id, initial, rows_inserted, rows_deleted "
                + "FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " ORDER BY refresh_id DESC LIMIT 1"));
        // the fill's progress row has the rows applied, written with them (no rows read: no source recorded any)
        assertEquals(List.of(List.of("3", "2", "t")), h.rows("SELECT tick_id, rows_applied, read_done "
                + "FROM pgtrickle.pgt_fill_progress WHERE pgt_id = " + id + " AND rows_read IS NULL"));
        // an empty initial tick empties the stream table
        h.put(h.end(t, 4, id, true));
        assertEquals("0", h.one("SELECT count(*) FROM thing_copy"));
        assertEquals("4", h.one("SELECT last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void aLargeInitialFillArrivesInManyBatchesOverTwoPartitions() throws SQLException {
        h.exec("CREATE TABLE big_src (id int, label text)",
                "INSERT INTO big_src SELECT g, repeat('label ', 5) || g FROM generate_series(1, 20000) g");
        long id = h.createStreamTable("big_copy", "SELECT id, label FROM big_src");
        String t = topic("public", "big_copy");
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 1; i <= 20000; i++) {
            batch.add(h.row(t, i % 2, 1, 1, Integer.toString(i), "label label label label label " + i));
            if (batch.size() == 500) {
                h.put(batch);
                batch.clear();
            }
        }
        h.put(h.end(t, 0, 1, id, 0, 1, 2, true), h.end(t, 1, 1, id, 0, 1, 2, true));
        h.assertContent("big_copy", "SELECT id, label FROM big_src");
        h.exec("DELETE FROM big_src WHERE id = 777");
        h.put(h.row(t, 1, 2, -1, "777", "label label label label label 777"), h.end(t, 0, 2, id, 0, 1, 2, false),
                h.end(t, 1, 2, id, 0, 1, 2, false));
        h.assertContent("big_copy", "SELECT id, label FROM big_src");
        assertEquals("t", h.one("SELECT reltuples > 0 FROM pg_class WHERE oid = 'big_copy'::regclass"),
                "statistics are taken right after a large fill");
    }

    @Test
    void aStreamTableWithoutRowHashIndexStillWorks() throws SQLException {
        h.exec("CREATE TABLE docs (d json, n int)");
        long id = h.createStreamTable("doc_copy", "SELECT d, n FROM docs");
        // json has no hash function: such a stream table has no row index (dropped here, as core's
        // create_stream_table cannot tell yet on an empty table)
        for (List<String> idx : h.rows("SELECT indexrelid::regclass::text FROM pg_index "
                + "WHERE indrelid = 'doc_copy'::regclass")) {
            h.exec("DROP INDEX " + idx.get(0));
        }
        String t = topic("public", "doc_copy");
        h.put(h.row(t, 0, 1, 2, "{\"a\": 1}", "1"), h.row(t, 0, 1, 1, "[1, 2]", null), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, -1, "{\"a\": 1}", "1"), h.row(t, 0, 2, -1, "[1, 2]", null), h.end(t, 2, id, false));
        h.assertContent("(SELECT d::text, n FROM doc_copy) s", "VALUES ('{\"a\": 1}', 1)");
        assertEquals("ACTIVE", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
    }

    @Test
    void deletingARowThatIsNotThereMarksTheStreamTableError() throws SQLException {
        h.exec("CREATE TABLE letters (c text)");
        long id = h.createStreamTable("letter_copy", "SELECT c FROM letters");
        String t = topic("public", "letter_copy");
        h.put(h.row(t, 0, 1, 1, "a"), h.row(t, 0, 1, 1, "b"), h.end(t, 1, id, true));
        // two copies of 'a' to delete, one there: nothing of this tick may stay, not even the one delete
        h.put(h.row(t, 0, 2, -2, "a"), h.row(t, 0, 2, 1, "c"), h.end(t, 2, id, false));
        h.assertContent("letter_copy", "VALUES ('a'), ('b')");
        List<String> st = h.rows("SELECT status, last_error, last_tick FROM pgtrickle.pgt_stream_tables WHERE pgt_id = "
                + id).get(0);
        assertEquals("ERROR", st.get(0));
        assertTrue(st.get(1).contains("tick 2 deletes 2 row(s), but only 1"), st.get(1));
        assertTrue(st.get(1).contains("run SELECT pgtrickle.refresh_stream_table('\"public\".\"letter_copy\"')"),
                st.get(1));
        assertEquals("1", st.get(2));
        assertEquals("1", h.one("SELECT last_tick FROM pgtrickle.pgt_sink_progress WHERE pgt_id = " + id));

        // further ticks wait for the re-initialisation, which repairs the stream table
        h.put(h.row(t, 0, 3, 1, "d"), h.end(t, 3, id, false));
        h.assertContent("letter_copy", "VALUES ('a'), ('b')");
        // also once refreshed (INITIALIZING): a delta still on its way from before the new fill does not fit
        h.exec("SELECT pgtrickle.refresh_stream_table('letter_copy')");
        h.put(h.row(t, 0, 4, -1, "b"), h.end(t, 4, id, false));
        h.assertContent("letter_copy", "VALUES ('a'), ('b')");
        assertEquals("INITIALIZING", h.one("SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id));
        h.put(h.row(t, 0, 5, 1, "x"), h.end(t, 5, id, true));
        h.assertContent("letter_copy", "VALUES ('x')");
        assertEquals(List.of(List.of("ACTIVE", "5")), h.rows("SELECT status, last_tick "
                + "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id + " AND last_error IS NULL"));
        assertEquals(12, h.committable(t, 0), "every record of the failed and the skipped ticks counts as done");
    }

    @Test
    void deltaRowsThatDoNotFitTheStreamTableMarkItError() throws SQLException {
        h.exec("CREATE TABLE pairs (k int, v text)");
        long id = h.createStreamTable("pair_copy", "SELECT k, v FROM pairs");
        String t = topic("public", "pair_copy");
        h.put(h.row(t, 0, 1, 1, "1", "one"), h.end(t, 1, id, true));
        h.put(h.row(t, 0, 2, 1, "2"), h.end(t, 2, id, false));
        assertTrue(h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id)
                .contains("tick 2 has rows of 1 value(s), but the stream table has 2 column(s)"));
        // an SQL error while applying (here: a value PostgreSQL refuses) is counted and retried; the third in a
        // row suspends the stream table
        h.put(h.row(t, 0, 3, 1, "not a number", "x"), h.end(t, 3, id, true));
        String error = h.one("SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " + id);
        assertTrue(error.contains("tick 3 could not be applied") && error.contains("invalid input syntax for type integer")
                && error.contains("failure 1 of 3 in a row"), error);
        h.put();
        h.put();
        List<String> st = h.rows("SELECT status, last_error, consecutive_failures FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_id = " + id).get(0);
        assertEquals("SUSPENDED", st.get(0));
        assertTrue(st.get(1).startsWith("suspended after 3 consecutive failures; the last: tick 3 could not be applied")
                && st.get(1).contains("resume_stream_table('\"public\".\"pair_copy\"')"), st.get(1));
        assertEquals("3", st.get(2));
        h.assertContent("pair_copy", "VALUES (1, 'one')");
        assertNull(h.one("SELECT tick_id FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id + " AND tick_id > 1 "
                + "AND status = 'COMPLETED'"));
        assertEquals(List.of(List.of("3", "FAILED", "1"), List.of("3", "FAILED", "2"), List.of("3", "FAILED", "3")),
                h.rows("SELECT tick_id, status, attempt FROM pgtrickle.pgt_refresh_history WHERE pgt_id = " + id
                        + " AND tick_id > 1 ORDER BY refresh_id"));
    }
}
