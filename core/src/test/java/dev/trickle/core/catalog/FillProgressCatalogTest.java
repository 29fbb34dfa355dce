package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** pgt_status()'s fill columns over pgt_fill_progress, at the end of its result; a dropped stream table's row goes. */
class FillProgressCatalogTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("fillprogress");
        CatalogInstaller.install(url, "postgres", "postgres");
        EmbeddedPg.exec(url, "CREATE TABLE big (id int PRIMARY KEY, v int)");
    }

    @Test
    void statusShowsTheLatestFillsRowsReadEstimatedAndApplied() throws SQLException {
        EmbeddedPg.exec(url, "SELECT pgtrickle.create_stream_table('big_st', 'SELECT id, v FROM big')");
        assertEquals("name,status,refresh_mode,schedule,last_tick,data_timestamp,staleness,last_error,requested_mode,fill_rows_read,"
                + "fill_rows_estimated,fill_rows_applied,is_populated,consecutive_errors", EmbeddedPg.one(url, "SELECT string_agg(a, ',' ORDER BY n) FROM "
                + "unnest((SELECT proargnames FROM pg_proc WHERE oid = 'pgtrickle.pgt_status()'::regprocedure)) "
                + "WITH ORDINALITY AS x(a, n)"));
        assertEquals(null, EmbeddedPg.one(url, "SELECT fill_rows_read FROM pgtrickle.pgt_status() WHERE name = 'public.big_st'"));
        // what the source connector writes while it reads, then the sink in the fill's transaction
        EmbeddedPg.exec(url, "INSERT INTO pgtrickle.pgt_fill_progress (pgt_id, tick_id, rows_estimated, rows_read) "
                + "SELECT pgt_id, 7, 5000000, 1200000 FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_st'");
        assertEquals("INITIALIZING|1200000|5000000|", EmbeddedPg.one(url, "SELECT concat_ws('|', status, fill_rows_read, "
                + "fill_rows_estimated, coalesce(fill_rows_applied::text, '')) FROM pgtrickle.pgt_status() WHERE name = 'public.big_st'"));
        EmbeddedPg.exec(url, "UPDATE pgtrickle.pgt_fill_progress SET rows_read = 5000123, read_done = true, rows_applied = 42");
        assertEquals("5000123|42", EmbeddedPg.one(url, "SELECT fill_rows_read || '|' || fill_rows_applied "
                + "FROM pgtrickle.pgt_status() WHERE name = 'public.big_st'"));
        EmbeddedPg.exec(url, "SELECT pgtrickle.drop_stream_table('big_st')");
        assertEquals("0", EmbeddedPg.one(url, "SELECT count(*) FROM pgtrickle.pgt_fill_progress"));
    }
}
