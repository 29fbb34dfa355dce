package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * pgtrickle.verify_stream_table on the real stack while writers keep committing: a healthy stream table
 * verifies equal at a named tick, a stream table whose storage was tampered with (bypassing the DML guard)
 * reports the exact rows missing and in excess, and the writers and ticks go on meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifyEndToEndTest extends E2eSupport {
    static final String TOTALS = "public.v_totals";
    static final String TOTALS_Q = "SELECT grp, sum(balance) AS total, count(*) AS n FROM v_accounts GROUP BY grp";
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong commits = new AtomicLong();
    private final AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    private Thread writer;

    @BeforeAll
    void create() throws Exception {
        exec("CREATE TABLE v_accounts (id int PRIMARY KEY, grp int NOT NULL, balance int NOT NULL)",
             // groups 0-3 are written all the time; group 9 is left alone (its stream table row is tampered with)
             "INSERT INTO v_accounts SELECT g, g % 4, 100 FROM generate_series(1, 400) g",
             "INSERT INTO v_accounts SELECT g, 9, g FROM generate_series(1001, 1010) g",
             "SELECT pgtrickle.create_stream_table('v_totals', '" + TOTALS_Q.replace("'", "''") + "')");
        awaitActive(TOTALS);
        writer = new Thread(this::write, "verify-e2e-writer");
        writer.start();
        await("writers to commit", () -> commits.get() > 20);
    }

    @AfterAll
    void stopWriters() throws Exception {
        writing.set(false);
        if (writer != null) {
            writer.join(30_000);
        }
        exec("SELECT pgtrickle.drop_stream_table('v_totals')", "DROP TABLE IF EXISTS v_accounts");
    }

    /** Transfers between accounts of groups 0-3 and inserts, each its own transaction, as fast as they go. */
    private void write() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            int next = 2000;
            while (writing.get()) {
                int a = 1 + ThreadLocalRandom.current().nextInt(400);
                int b = 1 + ThreadLocalRandom.current().nextInt(400);
                c.setAutoCommit(false);
                s.execute("UPDATE v_accounts SET balance = balance - 3 WHERE id = " + a);
                s.execute("UPDATE v_accounts SET balance = balance + 3 WHERE id = " + b);
                if (commits.get() % 10 == 0) {
                    s.execute("INSERT INTO v_accounts VALUES (" + next++ + ", " + (next % 4) + ", 1)");
                }
                c.commit();
                commits.incrementAndGet();
            }
        } catch (Throwable t) {
            writerFailure.set(t);
        }
    }

    @Test
    void healthyThenTamperedWhileWritersRun() throws Exception {
        long ticksBefore = currentTick();
        long commitsBefore = commits.get();
        String healthy = verify();
        String[] h = healthy.split("\\|", -1);
        assertEquals("public.v_totals|t|5|5|0|0||", String.join("|", h[0], h[2], h[3], h[4], h[5], h[6], h[7], h[8]), healthy);
        long tick = Long.parseLong(h[1]);
        assertTrue(tick > ticksBefore, "verified at a tick taken after the call: " + tick + " > " + ticksBefore);
        assertEquals("EQUAL", one("SELECT status FROM pgtrickle.pgt_verifications WHERE tick_id = " + tick));
        assertTrue(commits.get() > commitsBefore, "writers committed while the verification ran");
        assertTrue(currentTick() > tick, "ticks go on");

        // tampering as the pipeline may (the sink's setting lets one transaction past the DML guard)
        String g9 = one("SELECT sum(balance) FROM v_accounts WHERE grp = 9");
        commitTogether(java.util.List.of("SET LOCAL pgtrickle.sink_apply = 'on'",
                "UPDATE v_totals SET total = total + 1 WHERE grp = 9",
                "INSERT INTO v_totals VALUES (99, 7, 1)"));
        long commitsBeforeTampered = commits.get();
        String tampered = verify();
        String[] t = tampered.split("\\|", -1);
        assertEquals(String.join("|", "public.v_totals", "f", "5", "6", "1", "2",
                        "[{\"n\": 10, \"grp\": 9, \"total\": " + g9 + "}]",
                        "[{\"n\": 10, \"grp\": 9, \"total\": " + (Long.parseLong(g9) + 1) + "}, {\"n\": 1, \"grp\": 99, \"total\": 7}]"),
                String.join("|", t[0], t[2], t[3], t[4], t[5], t[6], t[7], sortedSample(t[8])), tampered);
        assertTrue(commits.get() > commitsBeforeTampered, "writers committed while the verification ran");
        assertEquals(null, writerFailure.get());

        // it reports, never repairs: the tampered rows are still there
        assertEquals("1", one("SELECT count(*) FROM v_totals WHERE grp = 99"));
    }

    /** The verdict as text; the writers' own groups change every tick and still compare equal. */
    private static String verify() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT concat_ws('|', stream_table, tick_id, equal, expected_rows, actual_rows, "
                     + "missing_rows, extra_rows, coalesce(missing_sample::text, ''), coalesce(extra_sample::text, '')) "
                     + "FROM pgtrickle.verify_stream_table('v_totals', 120)")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The extra sample with its rows in grp order (the sample's order is not defined). */
    private static String sortedSample(String json) throws SQLException {
        return one("SELECT jsonb_agg(e ORDER BY (e->>'grp')::int)::text FROM jsonb_array_elements('"
                + json.replace("'", "''") + "'::jsonb) e");
    }
}
