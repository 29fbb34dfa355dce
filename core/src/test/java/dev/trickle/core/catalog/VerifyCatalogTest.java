package dev.trickle.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * verify_stream_table's protocol on real PostgreSQL, with this test playing the pipeline: it sees the request
 * in pg_locks, evaluates the query into the result table at a tick (the source connector's part) and calls
 * the comparison in the transaction that applies that tick (the sink's part).
 */
class VerifyCatalogTest {
    private static String url;
    private static long pgtId;
    private static long nextTick = 1;

    @BeforeAll
    static void install() throws SQLException {
        url = EmbeddedPg.freshDatabase("verify");
        CatalogInstaller.install(url, "postgres", "postgres");
        exec("CREATE TABLE items (id int PRIMARY KEY, grp text, v int)",
             "INSERT INTO items SELECT g, 'g' || (g % 3), g FROM generate_series(1, 30) g",
             "SELECT pgtrickle.create_stream_table('totals', 'SELECT grp, sum(v) AS total, count(*) AS n FROM items GROUP BY grp')");
        pgtId = Long.parseLong(one("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'totals'"));
        tick();
        // the sink's fill: the stream table equals its query
        sinkWrites("INSERT INTO totals SELECT grp, sum(v), count(*) FROM items GROUP BY grp");
        exec("UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, engine_ready = true, last_tick = 1");
    }

    @Test
    void aHealthyStreamTableVerifiesEqualAtTheTickThePipelineChose() throws Exception {
        CompletableFuture<String> verdict = verifyAsync("totals", 30);
        awaitRequest();
        long tick = sourceEvaluates();
        sinkApplies(tick);
        assertEquals("public.totals|" + tick + "|t|3|3|0|0|||", verdict.get(30, TimeUnit.SECONDS));
        assertEquals("EQUAL", one("SELECT status FROM pgtrickle.pgt_verifications ORDER BY verification_id DESC LIMIT 1"));
        assertEquals("0", one("SELECT count(*) FROM pg_tables WHERE schemaname = 'pgtrickle_verify'"), "the result table is dropped");
    }

    @Test
    void aTamperedStreamTableReportsTheExactMissingAndExtraRows() throws Exception {
        sinkWrites("DELETE FROM totals WHERE grp = 'g1'", "INSERT INTO totals VALUES ('bogus', 1, 1), ('bogus', 1, 1)");
        try {
            CompletableFuture<String> verdict = verifyAsync("totals", 30);
            awaitRequest();
            long tick = sourceEvaluates();
            sinkApplies(tick);
            assertEquals("public.totals|" + tick + "|f|3|4|1|2|[{\"n\": 10, \"grp\": \"g1\", \"total\": 145}]|"
                    + "[{\"n\": 1, \"grp\": \"bogus\", \"total\": 1}, {\"n\": 1, \"grp\": \"bogus\", \"total\": 1}]|",
                    verdict.get(30, TimeUnit.SECONDS));
        } finally {
            sinkWrites("DELETE FROM totals WHERE grp = 'bogus'", "INSERT INTO totals SELECT grp, sum(v), count(*) FROM items "
                    + "WHERE grp = 'g1' GROUP BY grp");
        }
    }

    @Test
    void aTickAppliedTogetherWithLaterOnesIsMissedAndTheNextTickVerified() throws Exception {
        CompletableFuture<String> verdict = verifyAsync("totals", 30);
        awaitRequest();
        long first = sourceEvaluates();
        tick();
        sinkApplies(first + 1); // a batch of two ticks: the stream table never showed tick `first` alone
        assertEquals("MISSED", one("SELECT status FROM pgtrickle.pgt_verifications WHERE tick_id = " + first));
        long second = sourceEvaluates(); // the request is still there: a new verification
        sinkApplies(second);
        assertEquals("public.totals|" + second + "|t|3|3|0|0|||", verdict.get(30, TimeUnit.SECONDS));
    }

    @Test
    void withoutAPipelineTheCallEndsWithAClearMessageAndLeavesNoRequest() throws Exception {
        CompletableFuture<String> verdict = verifyAsync("totals", 1);
        ExecutionException e = assertThrows(ExecutionException.class, () -> verdict.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("no verdict on stream table public.totals within 1 s"), e.getCause().getMessage());
        assertEquals("0", one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1885828214"));
    }

    @Test
    void callsThatCannotBeAnsweredAreRefusedAtOnce() throws Exception {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM pgtrickle.verify_stream_table('totals')"));
            assertTrue(e.getMessage().contains("needs a READ COMMITTED transaction"), e.getMessage());
            c.rollback();
        }
        exec("CREATE TABLE other (id int PRIMARY KEY)", "SELECT pgtrickle.create_stream_table('other_st', 'SELECT id FROM other')");
        SQLException e = assertThrows(SQLException.class, () -> one("SELECT * FROM pgtrickle.verify_stream_table('other_st')"));
        assertTrue(e.getMessage().contains("stream table public.other_st is INITIALIZING: only an ACTIVE stream table is verified"),
                e.getMessage());
        exec("SELECT pgtrickle.drop_stream_table('other_st')");
    }

    /**
     * The verdict comes when the sink applies the verified tick: for a stream table on '5m' that is up to five
     * minutes away, for a suspended one never. Both are told at once, with what to do, instead of after the timeout.
     */
    @Test
    void aVerdictThatCannotComeWithinTheTimeoutIsRefusedAtOnceWithWhatToDo() throws Exception {
        exec("CREATE TABLE slow (id int PRIMARY KEY)",
             "SELECT pgtrickle.create_stream_table('slow_st', 'SELECT id FROM slow', schedule => '5m')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE', needs_init = false, last_tick = 1, "
                     + "data_timestamp = clock_timestamp() - interval '1 minute' WHERE pgt_name = 'slow_st'");
        try {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> one("SELECT * FROM pgtrickle.verify_stream_table('slow_st')"));
            assertTrue(e.getMessage().contains("no verdict on stream table public.slow_st within 60 s: it is brought up to "
                    + "date on its schedule '5m', next at about"), e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*\\(in 2[0-9]{2} s\\).*timeout_seconds => 2[0-9]{2}\\).*"), e.getMessage());
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "refused at once, not after the timeout");
            assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_verifications v JOIN pgtrickle.pgt_stream_tables s "
                    + "USING (pgt_id) WHERE s.pgt_name = 'slow_st'"), "no request was made");

            exec("SELECT pgtrickle.alter_stream_table('slow_st', status => 'SUSPENDED')");
            e = assertThrows(SQLException.class, () -> one("SELECT * FROM pgtrickle.verify_stream_table('slow_st', 600)"));
            assertTrue(e.getMessage().contains("stream table public.slow_st is suspended: its ticks are applied, and so "
                    + "verified, only once it is resumed"), e.getMessage());
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('slow_st')", "DROP TABLE slow");
        }
    }

    @Test
    void theResultTableOfAVerificationWhoseStreamTableWasDroppedGoesAtTheNextVerification() throws Exception {
        exec("CREATE TABLE brief (id int PRIMARY KEY)", "SELECT pgtrickle.create_stream_table('brief_st', 'SELECT id FROM brief')",
             "UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE' WHERE pgt_name = 'brief_st'");
        long tick = tick();
        String table = one("SELECT result_table FROM pgtrickle._verify_begin((SELECT pgt_id FROM pgtrickle.pgt_stream_tables "
                + "WHERE pgt_name = 'brief_st'), " + tick + ", 'x')");
        exec("SELECT pgtrickle.drop_stream_table('brief_st')", "DROP TABLE brief");
        assertEquals("t", one("SELECT to_regclass('" + table + "') IS NOT NULL"));
        assertEquals("1", one("SELECT count(*) FROM pgtrickle._verify_begin(" + pgtId + ", " + tick + ", 'x')"));
        assertEquals("f", one("SELECT to_regclass('" + table + "') IS NOT NULL"));
        // the pending verification just begun (never compared: its snapshot is no tick's) is left for the sink
        sinkApplies(tick());
        assertEquals("MISSED", one("SELECT status FROM pgtrickle.pgt_verifications ORDER BY verification_id DESC LIMIT 1"));
    }

    private static CompletableFuture<String> verifyAsync(String name, int timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return one("SELECT concat_ws('|', stream_table, tick_id, equal, expected_rows, actual_rows, missing_rows, "
                        + "extra_rows, coalesce(missing_sample::text, ''), coalesce(extra_sample::text, ''), '') "
                        + "FROM pgtrickle.verify_stream_table('" + name + "', " + timeout + ")");
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    /** The request is what the source connector looks for at each tick. */
    private static void awaitRequest() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1885828214 AND objid = "
                + pgtId + " AND objsubid = 2 AND granted").equals("1")) {
            assertTrue(System.nanoTime() < deadline, "no request in pg_locks");
            Thread.sleep(20);
        }
    }

    /** The source connector's part: a new tick, the query evaluated at its snapshot into the result table. */
    private static long sourceEvaluates() throws SQLException {
        long tick = tick();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            String table;
            try (ResultSet rs = s.executeQuery("SELECT result_table, query FROM pgtrickle._verify_begin(" + pgtId + ", " + tick
                    + ", (SELECT snapshot::text FROM pgtrickle.pgt_ticks WHERE tick_id = " + tick + "))")) {
                assertTrue(rs.next(), "a verification begins");
                table = rs.getString(1) + "|" + rs.getString(2);
            }
            String[] parts = table.split("\\|", 2);
            s.execute("INSERT INTO " + parts[0] + " SELECT * FROM (" + parts[1] + ") q");
            c.commit();
        }
        return tick;
    }

    /** The sink's part: the transaction that applies the batch ending at {@code tick}. */
    private static void sinkApplies(long tick) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("UPDATE pgtrickle.pgt_stream_tables SET last_tick = " + tick + " WHERE pgt_id = " + pgtId);
            s.execute("SELECT pgtrickle._verify_at_apply(" + pgtId + ", " + tick + ")");
            c.commit();
        }
    }

    private static long tick() throws SQLException {
        long tick = nextTick++;
        exec("INSERT INTO pgtrickle.pgt_ticks (tick_id, snapshot, lsn) VALUES (" + tick + ", pg_current_snapshot(), pg_current_wal_lsn())");
        return tick;
    }

    /** Writes to the stream table as the sink does (its DML guard lets only the sink's transaction in). */
    private static void sinkWrites(String... sql) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL pgtrickle.sink_apply = 'on'");
            for (String q : sql) {
                s.execute(q);
            }
            c.commit();
        }
    }

    static void exec(String... sql) throws SQLException {
        EmbeddedPg.exec(url, sql);
    }

    static String one(String sql) throws SQLException {
        return EmbeddedPg.one(url, sql);
    }
}
