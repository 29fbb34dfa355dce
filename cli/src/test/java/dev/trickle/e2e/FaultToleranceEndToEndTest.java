package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The Connect worker and the streams app are each killed (SIGKILL) and restarted in the middle of a
 * workload: afterwards the stream table equals its query and no tick was applied twice.
 */
class FaultToleranceEndToEndTest extends E2eSupport {
    static final String ST = "public.st_ledger";
    static final String QUERY = "SELECT id, account, amount, amount * 2 AS doubled FROM ft_ledger WHERE amount <> 0";

    @Test
    void hardStopsOfConnectAndStreamsLoseNothingAndDoubleNothing() throws Exception {
        exec("CREATE TABLE ft_ledger (id bigint PRIMARY KEY, account int, amount numeric(12,2))",
             "INSERT INTO ft_ledger SELECT g, g % 10, (g % 200) - 100 FROM generate_series(1, 2000) g",
             "SELECT pgtrickle.create_stream_table('st_ledger', '" + QUERY.replace("'", "''") + "')");
        awaitActive(ST);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger committed = new AtomicInteger();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        Thread writer = new Thread(() -> write(running, committed, writerError), "ft-writer");
        writer.start();
        try {
            int before = committed.get();
            await("the workload to run", () -> committed.get() >= before + 20);
            stack.killConnect();
            int whileDown = committed.get();
            await("writes while Connect is down", () -> committed.get() >= whileDown + 10);
            stack.restartConnect();

            int afterConnect = committed.get();
            await("writes after Connect's restart", () -> committed.get() >= afterConnect + 20);
            stack.killStreams();
            int streamsDown = committed.get();
            await("writes while the streams app is down", () -> committed.get() >= streamsDown + 10);
            stack.restartStreams();
            int afterStreams = committed.get();
            await("writes after the streams app's restart", () -> committed.get() >= afterStreams + 20);
        } finally {
            running.set(false);
            writer.join(30_000);
        }
        assertEquals(null, writerError.get());
        awaitCaughtUp(ST);
        assertMatches(ST, "*", QUERY);
        assertEquals("0", one("SELECT count(*) FROM (SELECT coalesce(first_tick_id, tick_id) AS first_tick, "
                + "lag(tick_id) OVER (PARTITION BY pgt_id ORDER BY tick_id, refresh_id) AS previous_last "
                + "FROM pgtrickle.pgt_refresh_history WHERE status = 'COMPLETED') r WHERE r.first_tick <= r.previous_last"),
                "no tick applied twice (a history row covers first_tick_id .. tick_id)");
        assertTrue(committed.get() > 80, "the workload ran: " + committed.get() + " transactions");
    }

    private static void write(AtomicBoolean running, AtomicInteger committed, AtomicReference<Throwable> error) {
        Random random = new Random(42);
        long nextId = 1_000_000;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            while (running.get()) {
                int k = random.nextInt(10);
                s.execute("UPDATE ft_ledger SET amount = amount + 1.50 WHERE account = " + k + " AND id % 17 = " + random.nextInt(17));
                s.execute("INSERT INTO ft_ledger VALUES (" + nextId++ + ", " + k + ", " + (random.nextInt(400) - 200) + ".25), ("
                        + nextId++ + ", " + k + ", 0)");
                s.execute("DELETE FROM ft_ledger WHERE id % 97 = " + random.nextInt(97) + " AND account = " + k);
                s.execute("UPDATE ft_ledger SET id = id + 5000000 WHERE id % 89 = " + random.nextInt(89) + " AND id < 5000000 AND account = " + k);
                c.commit();
                committed.incrementAndGet();
                Thread.sleep(20); // pacing of the simulated application, not a wait for a condition
            }
        } catch (SQLException | InterruptedException e) {
            error.set(e);
        }
    }
}
