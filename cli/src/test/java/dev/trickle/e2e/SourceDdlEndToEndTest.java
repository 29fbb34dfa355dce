package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * DDL on one source while writers run on two: the stream tables over the other source keep following,
 * the ones over the altered source stay exact through DROP (unused), ADD, RENAME (unused) and ALTER TYPE
 * (unused) COLUMN, and TRUNCATE of the other source is absorbed too; and
 * dropping a column a stream table uses stops that stream table only (or PostgreSQL refuses the DROP,
 * naming it, once the catalog guards used columns as it does for views).
 */
class SourceDdlEndToEndTest extends E2eSupport {
    private static final String A_IDS = "public.st_ddl_a_ids";
    private static final String A_IDS_Q = "SELECT id, v FROM ddl_a WHERE v % 3 <> 0";
    private static final String A_SPARE = "public.st_ddl_a_spare";
    private static final String A_SPARE_Q = "SELECT id, spare FROM ddl_a";
    private static final String B_DOUBLE = "public.st_ddl_b_double";
    private static final String B_DOUBLE_Q = "SELECT id, w * 2 AS w2 FROM ddl_b";
    private static final String B_SUM = "public.st_ddl_b_sum";
    private static final String B_SUM_Q = "SELECT count(*) AS n, sum(w) AS s FROM ddl_b";
    private static final String[] FOLLOWING = {A_IDS, B_DOUBLE, B_SUM};

    @AfterAll
    static void dropEverything() throws SQLException {
        for (String st : new String[] {A_IDS, A_SPARE, B_DOUBLE, B_SUM}) {
            if (one("SELECT 1 FROM pgtrickle.pgt_status() WHERE name = '" + st + "'") != null) {
                exec("SELECT pgtrickle.drop_stream_table('" + st + "')");
            }
        }
        exec("DROP TABLE IF EXISTS ddl_a", "DROP TABLE IF EXISTS ddl_b");
    }

    @Test
    void ddlOnOneSourceNeverStopsTheOthers() throws Exception {
        exec("CREATE TABLE ddl_a (id int PRIMARY KEY, unused text, spare text, v int)",
                "CREATE TABLE ddl_b (id int PRIMARY KEY, w int)",
                "INSERT INTO ddl_a SELECT g, 'u' || g, 's' || g, g FROM generate_series(1, 100) g",
                "INSERT INTO ddl_b SELECT g, g FROM generate_series(1, 100) g");
        create(A_IDS, A_IDS_Q);
        create(A_SPARE, A_SPARE_Q);
        create(B_DOUBLE, B_DOUBLE_Q);
        create(B_SUM, B_SUM_Q);
        awaitActive(A_IDS, A_SPARE, B_DOUBLE, B_SUM);
        try (Writers writers = new Writers()) {
            writers.start();
            ddlThenMatch(writers, "ALTER TABLE ddl_a DROP COLUMN unused");
            ddlThenMatch(writers, "ALTER TABLE ddl_a ADD COLUMN extra int DEFAULT 7");
            ddlThenMatch(writers, "ALTER TABLE ddl_a RENAME COLUMN extra TO extra_renamed");
            ddlThenMatch(writers, "ALTER TABLE ddl_a ALTER COLUMN extra_renamed TYPE bigint");
            ddlThenMatch(writers, "TRUNCATE ddl_b");

            String refused = null;
            try {
                exec("ALTER TABLE ddl_a DROP COLUMN spare");
            } catch (SQLException e) {
                refused = e.getMessage();
            }
            System.err.println("DROP COLUMN of a used column: " + (refused == null ? "accepted" : "refused: " + refused));
            if (refused != null) {
                assertTrue(refused.contains("st_ddl_a_spare"), "the refusal names the stream table: " + refused);
                writers.pause();
                awaitCaughtUp(A_SPARE);
                assertMatches(A_SPARE, "*", A_SPARE_Q);
            } else {
                await(A_SPARE + " to go to ERROR", sql(() -> "ERROR".equals(status(A_SPARE))));
                String error = value("last_error", A_SPARE);
                assertTrue(error.contains("ddl_a") && error.contains("spare") && error.contains("refresh_stream_table"),
                        "the error names the source, the column and what to do: " + error);
                // what the error says to do: undo the change (or alter the stream table), then refresh it
                exec("ALTER TABLE ddl_a ADD COLUMN spare text", "SELECT pgtrickle.refresh_stream_table('" + A_SPARE + "')");
                awaitActive(A_SPARE);
                writers.pause();
                awaitCaughtUp(A_SPARE);
                assertMatches(A_SPARE, "*", A_SPARE_Q);
            }
            writers.pause();
            awaitCaughtUp(FOLLOWING);
            assertAllFollowingMatch();
            for (String st : FOLLOWING) {
                assertEquals("ACTIVE", status(st), st);
            }
            writers.assertNoFailures();
        }
    }

    /** The DDL, more writes, then every stream table that follows equals its query again. */
    private static void ddlThenMatch(Writers writers, String ddl) throws Exception {
        long before = lastTick(B_SUM);
        exec(ddl);
        writers.awaitMoreCommits(20);
        writers.pause();
        awaitCaughtUp(FOLLOWING);
        assertTrue(lastTick(B_SUM) > before, "stream tables over the other source moved on");
        assertAllFollowingMatch();
        awaitCaughtUp(A_SPARE);
        assertMatches(A_SPARE, "*", A_SPARE_Q);
        assertEquals("ACTIVE", status(A_SPARE), "a stream table over the altered source that uses none of it goes on");
        writers.resume();
    }

    private static void assertAllFollowingMatch() throws SQLException {
        assertMatches(A_IDS, "*", A_IDS_Q);
        assertMatches(B_DOUBLE, "*", B_DOUBLE_Q);
        assertMatches(B_SUM, "*", B_SUM_Q);
    }

    private static void create(String name, String query) throws SQLException {
        exec("SELECT pgtrickle.create_stream_table('" + name + "', '" + query.replace("'", "''") + "')");
    }

    /**
     * One writer thread per source: inserts, updates and deletes of random rows, naming only columns that
     * survive every DDL of the test. Paused while the test compares (the writes must stand still for that).
     */
    private static final class Writers implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicBoolean paused = new AtomicBoolean(false);
        private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.Semaphore idle = new java.util.concurrent.Semaphore(0);
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> threads = new ArrayList<>();

        void start() {
            threads.add(new Thread(() -> write("ddl_a", "v", 1), "ddl-writer-a"));
            threads.add(new Thread(() -> write("ddl_b", "w", 2), "ddl-writer-b"));
            threads.forEach(Thread::start);
        }

        private void write(String table, String column, long seed) {
            Random random = new Random(seed);
            try (Connection c = connect(); Statement s = c.createStatement()) {
                while (running.get()) {
                    if (paused.get()) {
                        idle.release();
                        while (paused.get() && running.get()) {
                            Thread.onSpinWait();
                            Thread.sleep(5);
                        }
                        continue;
                    }
                    int id = 1 + random.nextInt(150);
                    int value = random.nextInt(1000);
                    switch (random.nextInt(3)) {
                        case 0 -> s.execute("INSERT INTO " + table + " (id, " + column + ") VALUES (" + id + ", " + value
                                + ") ON CONFLICT (id) DO UPDATE SET " + column + " = EXCLUDED." + column);
                        case 1 -> s.execute("UPDATE " + table + " SET " + column + " = " + value + " WHERE id = " + id);
                        default -> s.execute("DELETE FROM " + table + " WHERE id = " + id);
                    }
                    commits.incrementAndGet();
                    Thread.sleep(10);
                }
            } catch (SQLException e) {
                failures.add(table + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitMoreCommits(long n) throws Exception {
            long target = commits.get() + n;
            await(n + " more commits of the writers", () -> commits.get() >= target || !failures.isEmpty());
            assertNoFailures();
        }

        /** Returns once both writers stand still. */
        void pause() throws Exception {
            if (paused.get()) {
                return;
            }
            idle.drainPermits();
            paused.set(true);
            assertTrue(idle.tryAcquire(threads.size(), DEADLINE_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
                    || !failures.isEmpty(), "the writers pause");
            assertNoFailures();
        }

        void resume() {
            paused.set(false);
        }

        void assertNoFailures() {
            assertEquals(List.of(), failures, "the writers ran without errors");
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(DEADLINE_MS);
            }
        }
    }
}
