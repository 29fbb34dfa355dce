package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Catalog 0.4.0.7 on real PostgreSQL: the DML guard on stream tables, defining queries that are exactly one
 * statement, names and sources that are refused, and pgt_status() saying STALE for a stream table that does not
 * advance.
 */
class StreamTableGuardsTest {
    private static String url;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("guards");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE items (id int PRIMARY KEY, price int, note text)",
             "INSERT INTO items SELECT g, g * 10, 'n' || g FROM generate_series(1, 5) g");
    }

    @Test
    void onlyTheSinkWritesAStreamTable() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('guarded', 'SELECT id, price FROM items')");
        for (String dml : new String[] {"INSERT INTO guarded VALUES (1, 1)", "UPDATE guarded SET price = 0",
                                        "DELETE FROM guarded", "TRUNCATE guarded"}) {
            String message = refused(dml);
            assertTrue(message.contains("stream table public.guarded: its rows are maintained by Trickle"), message);
            assertTrue(message.contains("pgtrickle.drop_stream_table"), message);
        }
        assertTrue(refused("INSERT INTO guarded VALUES (1, 1)").startsWith("ERROR: cannot insert into stream table public.guarded"));

        // reads, indexes and grants work as on any table
        exec("CREATE INDEX ON guarded (price)", "GRANT SELECT ON guarded TO PUBLIC", "ANALYZE guarded");
        assertEquals("0", one("SELECT count(*) FROM guarded"));

        // the sink's apply transaction: SET LOCAL lets it, and only it, write
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL pgtrickle.sink_apply = 'on'");
            s.execute("INSERT INTO guarded SELECT id, price FROM items");
            s.execute("DELETE FROM guarded WHERE id = 5");
            c.commit();
            assertThrows(SQLException.class, () -> s.execute("DELETE FROM guarded"), "the next transaction is guarded again");
            c.rollback();
        }
        assertEquals("4", one("SELECT count(*) FROM guarded"));
        exec("SELECT pgtrickle.drop_stream_table('guarded')");
    }

    @Test
    void aDefiningQueryIsExactlyOneSelect() throws SQLException {
        String before = footprint();
        assertTrue(refused("SELECT pgtrickle.create_stream_table('x', 'SELECT 1 FROM items) x; "
                + "CREATE TABLE evil AS SELECT * FROM (SELECT 1')").contains("syntax error"), "the text is parsed as it is");
        assertTrue(refused("SELECT pgtrickle.create_stream_table('x', 'SELECT id FROM items; CREATE TABLE evil2 (a int)')")
                .contains("must be exactly one SELECT"));
        assertTrue(refused("SELECT pgtrickle.create_stream_table('x', 'DELETE FROM items RETURNING *')")
                .contains("invalid defining query"));
        assertTrue(refused("SELECT pgtrickle.create_stream_table('x', "
                + "'WITH d AS (DELETE FROM items RETURNING *) SELECT * FROM d')").contains("data-modifying"));
        assertTrue(refused("SELECT pgtrickle.create_stream_table('x', 'CREATE TABLE evil3 (a int)')").contains("must be a SELECT"));
        assertNull(one("SELECT to_regclass('evil')"), "the second statement never ran");
        assertNull(one("SELECT to_regclass('evil2')"));
        assertNull(one("SELECT to_regclass('evil3')"));
        assertEquals("5", one("SELECT count(*) FROM items"), "nothing was deleted");
        assertEquals(before, footprint());

        // SECURITY DEFINER registration parses without planning: its own check refuses a second statement
        exec("CREATE TABLE reg_target (id int)");
        assertTrue(refused("SELECT pgtrickle.register_stream_table('reg_target', 'SELECT id FROM items; DROP TABLE items', "
                + "'{public}')").contains("must be exactly one SELECT"));
        exec("DROP TABLE reg_target");

        // a trailing semicolon and comment are accepted, and stored without them
        exec("SELECT pgtrickle.create_stream_table('semi', E'SELECT id, note FROM items WHERE note <> '';'' ;  -- the ids\\n ')",
             "SELECT pgtrickle.create_stream_table('commented', 'SELECT id FROM items -- no semicolon')");
        assertEquals("SELECT id, note FROM items WHERE note <> ';'",
                one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'semi'"));
        // every consumer wraps it as a subquery with a newline before the parenthesis (the FULL refresh does)
        String stored = one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'commented'");
        assertEquals("5", one("SELECT count(*) FROM (" + stored + "\n) q"));
        // what only looks like a trailing semicolon and comment stays
        exec("SELECT pgtrickle.create_stream_table('literal', 'SELECT id, note || '';--'' AS n FROM items')");
        assertEquals("SELECT id, note || ';--' AS n FROM items",
                one("SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'literal'"));
        exec("SELECT pgtrickle.drop_stream_table('semi')", "SELECT pgtrickle.drop_stream_table('commented')",
             "SELECT pgtrickle.drop_stream_table('literal')");
    }

    @Test
    void theStatementCheckKnowsQuotesAndComments() throws SQLException {
        for (String one : new String[] {"SELECT ';'", "SELECT 'it''s;'", "SELECT $$;$$", "SELECT $a$ ; $b$ $a$",
                                        "SELECT 1 /* ; /* nested ; */ ; */", "SELECT 1 -- ;", "SELECT \"a;b\" FROM t",
                                        "SELECT $1", "SELECT a$b$ FROM t"}) {
            assertEquals("t", one("SELECT pgtrickle._one_statement(" + literal(one) + ")"), one);
        }
        for (String two : new String[] {"SELECT 1; SELECT 2", "SELECT 'a' ; DROP TABLE t", "SELECT $$x$$; x",
                                        "SELECT 1 /* */ ; x", "SELECT 1 -- x\n; DROP TABLE t", "SELECT a$b FROM t; x",
                                        "SELECT 'unterminated", "SELECT $q$ unterminated"}) {
            assertEquals("f", one("SELECT pgtrickle._one_statement(" + literal(two) + ")"), two);
        }
    }

    @Test
    void trickleSchemasAndPartitionedSourcesAreRefused() throws SQLException {
        exec("CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at)",
             "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        String before = footprint();
        assertTrue(refused("SELECT pgtrickle.create_stream_table('pgtrickle.mine', 'SELECT id FROM items')")
                .contains("schema pgtrickle is Trickle's own"));
        assertTrue(refused("SELECT pgtrickle.create_stream_table('pgtrickle_changes.mine', 'SELECT id FROM items')")
                .contains("is Trickle's own"));
        assertTrue(refused("SELECT pgtrickle.create_stream_table('ticks', 'SELECT tick_id FROM pgtrickle.pgt_ticks')")
                .contains("belongs to Trickle's own catalog"));

        String parent = refused("SELECT pgtrickle.create_stream_table('ev', 'SELECT id FROM events')");
        assertTrue(parent.contains("public.events is a partitioned table: writes made directly into its partitions"), parent);
        assertTrue(parent.contains("ordinary (unpartitioned) tables"), parent);
        String partition = refused("SELECT pgtrickle.create_stream_table('ev', 'SELECT id FROM events_2026')");
        assertTrue(partition.contains("public.events_2026 is a partition"), partition);
        assertEquals(before, footprint());
    }

    @Test
    void aStreamTableThatDoesNotAdvanceIsStale() throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('lagging', 'SELECT id FROM items')");
        // the ticker goes on (15 ticks in the last seconds) while the stream table stays at tick 1 for a minute
        exec("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn, created_at) "
                + "SELECT g, pg_current_snapshot(), pg_current_wal_lsn(), clock_timestamp() - (16 - g) * interval '1 second' "
                + "FROM generate_series(1, 15) g",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', last_tick = 1, "
                + "data_timestamp = clock_timestamp() - interval '1 minute' WHERE pgt_name = 'lagging'");
        assertEquals("STALE|not advancing: at tick 1, 14 tick(s) behind the newest tick 15",
                one("SELECT status || '|' || split_part(last_error, ', data', 1) FROM pgtrickle.pgt_status() "
                        + "WHERE name = 'public.lagging'"));
        // a few ticks behind is the pipeline's normal latency, not stale
        exec("UPDATE pgtrickle.pgt_stream_tables SET last_tick = 12 WHERE pgt_name = 'lagging'");
        assertEquals("ACTIVE", one("SELECT status FROM pgtrickle.pgt_status() WHERE name = 'public.lagging'"));
        // no tick for a minute: the ticker stopped, and nothing advances
        exec("UPDATE pgtrickle.pgt_ticks SET created_at = created_at - interval '1 minute'");
        String status = one("SELECT status || '|' || last_error FROM pgtrickle.pgt_status() WHERE name = 'public.lagging'");
        assertTrue(status.startsWith("STALE|not advancing: no tick was taken for 00:01"), status);
        // advancing again: ACTIVE
        exec("UPDATE pgtrickle.pgt_stream_tables SET last_tick = 15, data_timestamp = clock_timestamp() WHERE pgt_name = 'lagging'",
             "INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (16, pg_current_snapshot(), pg_current_wal_lsn())");
        assertEquals("ACTIVE|", one("SELECT status || '|' || coalesce(last_error, '') FROM pgtrickle.pgt_status() "
                + "WHERE name = 'public.lagging'"));
        exec("SELECT pgtrickle.drop_stream_table('lagging')", "DELETE FROM pgtrickle.pgt_ticks");
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String footprint() throws SQLException {
        return one("SELECT (SELECT count(*) FROM pgtrickle.pgt_stream_tables) || '/' || "
                + "(SELECT count(*) FROM pgtrickle.pgt_sources) || '/' || "
                + "(SELECT count(*) FROM pg_class WHERE relnamespace IN ('pgtrickle_changes'::regnamespace, 'public'::regnamespace)) || '/' || "
                + "(SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle'::regnamespace AND relkind = 'v') || '/' || "
                + "(SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\\_%')");
    }

    private static String refused(String sql) {
        return assertThrows(SQLException.class, () -> exec(sql), sql).getMessage();
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
