package dev.trickle.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Client threads running the transaction against an {@code orders} table: insert 10 orders, update 10
 * consecutive ones (new amount, status 'paid'): 20 row changes. Flat out for a fixed time, or at a fixed total
 * rate (each thread on its own schedule, so that a slow transaction does not lower the offered rate). Every
 * transaction's xid and commit time are kept: they say which tick carried it.
 */
final class Writers implements AutoCloseable {
    /** Row changes per transaction. */
    static final int ROW_CHANGES = 20;
    private static final int INSERTS = 10;
    private static final int UPDATES = 10;

    /** One committed transaction: its xid and when commit() returned (epoch milliseconds). */
    record Commit(String xid, long committedMillis) {
    }

    /**
     * What a run did: its commits (in commit order), its wall time from the start to the last commit, deadlock
     * retries, and each thread's last xid (a tick whose snapshot sees all of those sees every commit of the run).
     */
    record Result(List<Commit> commits, double seconds, long retries, List<String> lastXids) {
        long transactions() {
            return commits.size();
        }

        double txPerSecond() {
            return commits.size() / seconds;
        }

        double rowChangesPerSecond() {
            return txPerSecond() * ROW_CHANGES;
        }

        /** {@link #lastXids} as a PostgreSQL array literal, for {@code ?::xid8[]}. */
        String lastXidsArray() {
            return "{" + String.join(",", lastXids) + "}";
        }
    }

    /** Opens one connection per writer thread. */
    interface Connections {
        Connection open() throws SQLException;
    }

    private final List<Connection> connections = new ArrayList<>();
    private final List<Long> backendPids = new ArrayList<>();
    private final int threads;
    private final int customers;
    private final int updatableIds;

    /**
     * @param updatableIds the updates pick 10 consecutive ids in {@code 1 .. updatableIds} (rows that exist from
     *                     the start)
     */
    Writers(Connections connections, int threads, int customers, int updatableIds) throws SQLException {
        this.threads = threads;
        this.customers = customers;
        this.updatableIds = updatableIds;
        try {
            // one session per thread for the whole run: no backend starts or exits inside a measured phase, so
            // PostgreSQL's CPU time is read from live processes
            for (int t = 0; t < threads; t++) {
                Connection c = connections.open();
                this.connections.add(c);
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    backendPids.add(rs.getLong(1));
                }
                c.commit();
            }
        } catch (SQLException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The server processes of the writers' sessions: their CPU is the write side's cost. */
    List<Long> backendPids() {
        return List.copyOf(backendPids);
    }

    @Override
    public void close() {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                Log.step("warning: closing a writer's connection: %s", e.getMessage());
            }
        }
    }

    /**
     * Runs the transaction on {@code table} ("orders" or its uncaptured copy; a name from this benchmark, never
     * user text) for {@code seconds}: flat out when {@code rate} is 0, else at {@code rate} transactions per
     * second in all.
     */
    Result run(String table, double seconds, double rate) throws Exception {
        List<List<Commit>> perThread = new ArrayList<>();
        long[] retries = new long[threads];
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[] start = new long[1];
        long[] lastCommit = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            List<Commit> commits = new ArrayList<>();
            perThread.add(commits);
            Thread th = new Thread(() -> {
                Connection c = connections.get(id);
                try {
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + table + " (id, customer_id, amount, status) "
                            + "SELECT nextval('" + table + "_ids'), 1 + floor(random() * " + customers + ")::int, "
                            + "round((random() * 100)::numeric, 2), 'new' "
                            + "FROM generate_series(1, " + INSERTS + ")");
                         PreparedStatement upd = c.prepareStatement("UPDATE " + table + " SET amount = amount + 1, "
                                 + "status = 'paid' WHERE id BETWEEN ? AND ? RETURNING pg_current_xact_id()::text")) {
                        ready.countDown();
                        go.await();
                        loop(c, ins, upd, id, start[0], seconds, rate, commits, retries);
                        lastCommit[id] = commits.isEmpty() ? start[0] : System.nanoTime();
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            }, "writer-" + t);
            workers.add(th);
            th.start();
        }
        ready.await();
        start[0] = System.nanoTime();
        go.countDown();
        for (Thread th : workers) {
            th.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a writer failed on " + table + ": " + failure.get().getMessage(), failure.get());
        }
        return result(perThread, start[0], lastCommit, retries);
    }

    /** The threads' commits in commit order, the time from the start to the last commit, retries, last xids. */
    private static Result result(List<List<Commit>> perThread, long start, long[] lastCommit, long[] retries) {
        long end = start;
        for (long l : lastCommit) {
            end = Math.max(end, l);
        }
        List<Commit> all = new ArrayList<>();
        List<String> last = new ArrayList<>();
        for (List<Commit> commits : perThread) {
            all.addAll(commits);
            if (!commits.isEmpty()) {
                last.add(commits.get(commits.size() - 1).xid());
            }
        }
        all.sort((a, b) -> Long.compare(a.committedMillis(), b.committedMillis()));
        long retried = 0;
        for (long r : retries) {
            retried += r;
        }
        return new Result(all, Math.max(1e-3, (end - start) / 1e9), retried, last);
    }

    private void loop(Connection c, PreparedStatement ins, PreparedStatement upd, int id, long start, double seconds,
                      double rate, List<Commit> commits, long[] retries) throws Exception {
        long deadline = start + (long) (seconds * 1e9);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long i = 0; ; i++) {
            if (rate > 0) {
                // transaction i of this thread is due at (i * threads + id) / rate seconds after the start
                long due = start + (long) ((i * threads + id) * 1e9 / rate);
                if (due >= deadline) {
                    return;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the offered load, not a test wait
                }
            } else if (System.nanoTime() >= deadline) {
                return;
            }
            int from = 1 + random.nextInt(updatableIds - UPDATES + 1);
            String xid = null;
            while (xid == null) {
                xid = once(c, ins, upd, from, retries, id);
            }
            commits.add(new Commit(xid, System.currentTimeMillis()));
        }
    }

    /** One transaction; null after a deadlock or serialization failure (rolled back, to be retried). */
    private static String once(Connection c, PreparedStatement ins, PreparedStatement upd, int from, long[] retries,
                               int id) throws SQLException {
        try {
            ins.executeUpdate();
            upd.setLong(1, from);
            upd.setLong(2, from + UPDATES - 1);
            String xid = null;
            try (ResultSet rs = upd.executeQuery()) {
                while (rs.next()) {
                    xid = rs.getString(1);
                }
            }
            c.commit();
            if (xid == null) {
                throw new IllegalStateException("the update of ids " + from + ".." + (from + UPDATES - 1) + " found no row");
            }
            return xid;
        } catch (SQLException e) {
            c.rollback();
            if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                retries[id]++;
                return null;
            }
            throw e;
        }
    }
}
