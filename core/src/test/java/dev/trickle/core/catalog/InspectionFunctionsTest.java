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
 * pg_trickle's inspection functions on real PostgreSQL, over a chain of stream tables (a stream table over
 * stream tables over base tables), change buffers holding rows and a refresh history written the way the
 * sink writes it.
 */
class InspectionFunctionsTest {
    private static final String CAROL = "inspect_carol";
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("inspection");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE orders (id int PRIMARY KEY, region text, customer int, amount numeric(10,2), note text)",
             "CREATE TABLE customers (id int PRIMARY KEY, name text, tier text)",
             "SELECT pgtrickle.create_stream_table('orders_by_region', "
                     + "'SELECT o.region, c.tier, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.customer "
                     + "GROUP BY o.region, c.tier')",
             "SELECT pgtrickle.create_stream_table('revenue_totals', 'SELECT region, sum(amount) AS total FROM orders GROUP BY region')",
             "SELECT pgtrickle.create_stream_table('report_summary', 'SELECT r.region, r.total, t.total AS tier_total "
                     + "FROM revenue_totals r JOIN orders_by_region t USING (region)')",
             // the pipeline's doing: ticks, the stream tables applied at tick 2 (report_summary in FULL mode)
             "INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn, created_at) VALUES "
                     + "(1, pg_current_snapshot(), pg_current_wal_lsn(), clock_timestamp() - interval '20 seconds'), "
                     + "(2, pg_current_snapshot(), pg_current_wal_lsn(), clock_timestamp() - interval '10 seconds')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true, last_tick = 2, "
                     + "effective_mode = CASE WHEN pgt_name = 'report_summary' THEN 'FULL' ELSE 'DIFFERENTIAL' END, "
                     + "data_timestamp = (SELECT created_at FROM pgtrickle.pgt_ticks WHERE tick_id = 2)",
             "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, first_tick_id, tick_id, initial, rows_inserted, rows_deleted, "
                     + "duration_ms, status) SELECT pgt_id, 1, 1, true, 5, 0, 10, 'COMPLETED' FROM pgtrickle.pgt_stream_tables",
             "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, first_tick_id, tick_id, initial, rows_inserted, rows_deleted, "
                     + "duration_ms, status, error_message) SELECT pgt_id, 2, 2, false, 0, 0, 30, 'FAILED', 'boom' "
                     + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'revenue_totals'",
             "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, first_tick_id, tick_id, initial, rows_inserted, rows_deleted, "
                     + "duration_ms, status) SELECT pgt_id, 2, 2, false, 3, 2, 20, 'COMPLETED' "
                     + "FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'revenue_totals'",
             // rows waiting in the buffers: 3 inserts into orders, one update (-old/+new) of customers
             "INSERT INTO customers VALUES (1, 'ann', 'gold')",
             "INSERT INTO orders VALUES (1, 'eu', 1, 10, 'x'), (2, 'us', 1, 20, 'y'), (3, 'eu', 1, 5, 'z')",
             "UPDATE customers SET tier = 'silver' WHERE id = 1");
    }

    @AfterAll
    static void dropRole() throws SQLException {
        exec("DROP OWNED BY " + CAROL, "DROP ROLE IF EXISTS " + CAROL);
    }

    @Test
    void dependencyTreeShowsReadersAboveWhatTheyReadWithSourcesAsLeaves() throws SQLException {
        assertEquals(String.join("\n",
                "public.report_summary|stream_table|0|ACTIVE|FULL",
                "├── public.orders_by_region|stream_table|1|ACTIVE|DIFFERENTIAL",
                "│   ├── public.customers [src]|source_table|2||",
                "│   └── public.orders [src]|source_table|2||",
                "└── public.revenue_totals|stream_table|1|ACTIVE|DIFFERENTIAL",
                "    └── public.orders [src]|source_table|2||"),
                one("SELECT string_agg(concat_ws('|', tree_line, node_type, depth, coalesce(status, ''), "
                        + "coalesce(refresh_mode, '')), E'\\n') FROM pgtrickle.dependency_tree()"));
        assertEquals("public.customers,public.orders", one("SELECT string_agg(DISTINCT node, ',') FROM pgtrickle.dependency_tree() "
                + "WHERE node_type = 'source_table'"));
    }

    @Test
    void listSourcesNamesBaseAndStreamTableSourcesWithTheColumnsUsed() throws SQLException {
        assertEquals("public.customers|TABLE|trigger|id, tier;public.orders|TABLE|trigger|region, customer, amount",
                one("SELECT string_agg(concat_ws('|', source_table, source_type, cdc_mode, columns_used), ';') "
                        + "FROM pgtrickle.list_sources('orders_by_region')"));
        assertEquals("public.orders_by_region|STREAM_TABLE|delta_topic|region, total;"
                        + "public.revenue_totals|STREAM_TABLE|delta_topic|region, total",
                one("SELECT string_agg(concat_ws('|', source_table, source_type, cdc_mode, columns_used), ';') "
                        + "FROM pgtrickle.list_sources('public.report_summary')"));
        assertEquals("t", one("SELECT bool_and(source_oid = source_table::regclass::oid) FROM pgtrickle.list_sources('report_summary')"));
        SQLException e = assertThrows(SQLException.class, () -> one("SELECT * FROM pgtrickle.list_sources('nope')"));
        assertTrue(e.getMessage().contains("stream table public.nope does not exist"), e.getMessage());
    }

    @Test
    void changeBufferSizesHasOneRowPerStreamTableAndCapturedSource() throws SQLException {
        assertEquals("public.orders_by_region|public.customers|trigger|3;public.orders_by_region|public.orders|trigger|3;"
                        + "public.revenue_totals|public.orders|trigger|3",
                one("SELECT string_agg(concat_ws('|', stream_table, source_table, cdc_mode, pending_rows), ';') "
                        + "FROM pgtrickle.change_buffer_sizes()"));
        assertEquals("t", one("SELECT bool_and(buffer_bytes > 0 AND source_oid = source_table::regclass::oid) "
                + "FROM pgtrickle.change_buffer_sizes()"));
    }

    @Test
    void refreshStatsAggregateTheHistory() throws SQLException {
        assertEquals("revenue_totals|public|ACTIVE|DIFFERENTIAL|t|3|2|1|8|2|20|DIFFERENTIAL|COMPLETED|f",
                one("SELECT concat_ws('|', pgt_name, pgt_schema, status, refresh_mode, is_populated, total_refreshes, "
                        + "successful_refreshes, failed_refreshes, total_rows_inserted, total_rows_deleted, avg_duration_ms, "
                        + "last_refresh_action, last_refresh_status, stale) FROM pgtrickle.st_refresh_stats() "
                        + "WHERE pgt_name = 'revenue_totals'"));
        assertEquals("report_summary|FULL|1|FULL", one("SELECT concat_ws('|', pgt_name, refresh_mode, total_refreshes, "
                + "last_refresh_action) FROM pgtrickle.st_refresh_stats() WHERE pgt_name = 'report_summary'"),
                "a FULL stream table's refreshes are FULL, as in get_refresh_history");
        double staleness = Double.parseDouble(one("SELECT staleness_secs FROM pgtrickle.st_refresh_stats() LIMIT 1"));
        assertTrue(staleness >= 10 && staleness < 120, "tick 2 was taken 10 s ago: " + staleness);
        assertEquals("3", one("SELECT count(*) FROM pgtrickle.st_refresh_stats()"));
    }

    @Test
    void getStalenessIsTheAgeOfTheTickShownAndNullBeforeTheFirst() throws SQLException {
        double s = Double.parseDouble(one("SELECT pgtrickle.get_staleness('revenue_totals')"));
        assertTrue(s >= 10 && s < 120, "seconds since tick 2's snapshot: " + s);
        exec("CREATE TABLE later (id int PRIMARY KEY)", "SELECT pgtrickle.create_stream_table('later_st', 'SELECT id FROM later')");
        try {
            assertNull(one("SELECT pgtrickle.get_staleness('later_st')"));
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('later_st')", "DROP TABLE later");
        }
    }

    @Test
    void pgStatStreamTablesCombinesCatalogAndHistory() throws SQLException {
        assertEquals("revenue_totals|ACTIVE|DIFFERENTIAL|AUTO|t|2|f|0|f|3|2|1|8|2|DIFFERENTIAL|COMPLETED|{trigger}",
                one("SELECT concat_ws('|', pgt_name, status, refresh_mode, requested_mode, is_populated, last_tick, stale, "
                        + "consecutive_errors, needs_reinit, total_refreshes, successful_refreshes, failed_refreshes, "
                        + "total_rows_inserted, total_rows_deleted, last_action, last_status, cdc_modes) "
                        + "FROM pgtrickle.pg_stat_stream_tables WHERE pgt_name = 'revenue_totals'"));
        assertEquals("{delta_topic}", one("SELECT cdc_modes FROM pgtrickle.pg_stat_stream_tables WHERE pgt_name = 'report_summary'"));
        assertEquals("t", one("SELECT bool_and(staleness >= interval '10 seconds' AND last_refresh_at IS NOT NULL) "
                + "FROM pgtrickle.pg_stat_stream_tables"));
    }

    /** A script written for pg_trickle selects pgt_status()'s columns by name: all eight exist and agree with the view. */
    @Test
    void pgtStatusHasPgTrickleColumnsByName() throws SQLException {
        exec("UPDATE pgtrickle.pgt_stream_tables SET consecutive_failures = 2 WHERE pgt_name = 'orders_by_region'");
        try {
            assertEquals("public.orders_by_region|ACTIVE|DIFFERENTIAL|t|2|calculated|t|t",
                    one("SELECT concat_ws('|', name, status, refresh_mode, is_populated, consecutive_errors, schedule, "
                            + "data_timestamp IS NOT NULL, staleness >= interval '10 seconds') "
                            + "FROM pgtrickle.pgt_status() WHERE name = 'public.orders_by_region'"));
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_status() p JOIN pgtrickle.pg_stat_stream_tables v "
                    + "ON p.name = format('%I.%I', v.pgt_schema, v.pgt_name) "
                    + "WHERE (p.is_populated, p.consecutive_errors) IS DISTINCT FROM (v.is_populated, v.consecutive_errors)"));
            // Trickle's own columns keep their places: a script reading them by position is unchanged
            assertEquals("name,status,refresh_mode,schedule,last_tick,data_timestamp,staleness,last_error,requested_mode,"
                    + "fill_rows_read,fill_rows_estimated,fill_rows_applied,is_populated,consecutive_errors",
                    one("SELECT array_to_string(proargnames[1:14], ',') FROM pg_proc WHERE oid = 'pgtrickle.pgt_status'::regproc"));
        } finally {
            exec("UPDATE pgtrickle.pgt_stream_tables SET consecutive_failures = 0 WHERE pgt_name = 'orders_by_region'");
        }
    }

    @Test
    void aRoleSeesOnlyTheStreamTablesItMayRead() throws SQLException {
        exec("DROP ROLE IF EXISTS " + CAROL, "CREATE ROLE " + CAROL + " LOGIN PASSWORD 'carol'",
             "GRANT SELECT ON revenue_totals TO " + CAROL);
        try (Connection c = DriverManager.getConnection(url.replaceFirst("\\?user=[^&]*", ""), CAROL, "carol");
             Statement s = c.createStatement()) {
            assertEquals("revenue_totals", value(s, "SELECT string_agg(pgt_name, ',') FROM pgtrickle.pg_stat_stream_tables"));
            assertEquals("revenue_totals", value(s, "SELECT string_agg(pgt_name, ',') FROM pgtrickle.st_refresh_stats()"));
            assertEquals("public.revenue_totals", value(s, "SELECT string_agg(node, ',') FROM pgtrickle.dependency_tree() "
                    + "WHERE node_type = 'stream_table'"));
            assertEquals("public.revenue_totals", value(s, "SELECT string_agg(DISTINCT stream_table, ',') "
                    + "FROM pgtrickle.change_buffer_sizes()"));
            assertTrue(value(s, "SELECT pgtrickle.get_staleness('revenue_totals')") != null);
            SQLException e = assertThrows(SQLException.class, () -> value(s, "SELECT * FROM pgtrickle.list_sources('orders_by_region')"));
            assertTrue(e.getMessage().contains("permission denied for stream table public.orders_by_region"), e.getMessage());
            e = assertThrows(SQLException.class, () -> value(s, "SELECT * FROM pgtrickle.verify_stream_table('orders_by_region')"));
            assertTrue(e.getMessage().contains("permission denied for stream table public.orders_by_region"), e.getMessage());
        }
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }

    private static String value(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
