package dev.trickle.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs workloads: their writer threads, and one reader thread that polls every workload's stream tables
 * and checks the invariants on each poll. With {@code faults}, lost connections (PostgreSQL killed) are
 * expected: writers and reader reconnect and go on; without, any failure is one.
 */
final class LoadRunner implements AutoCloseable {
    private final List<Workload> workloads;
    private final long seed;
    private final boolean faults;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong readerErrors = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private final BufferSampler buffers = new BufferSampler();

    /** What a transaction may ask of the runner. */
    final class Ctx {
        boolean running() {
            return running.get();
        }

        boolean faults() {
            return faults;
        }
    }

    private final Ctx ctx = new Ctx();

    LoadRunner(List<Workload> workloads, long seed, boolean faults) {
        this.workloads = workloads;
        this.seed = seed;
        this.faults = faults;
    }

    void start() {
        int n = 0;
        for (Workload w : workloads) {
            for (Workload.Writer writer : w.writers()) {
                long s = seed * 31 + n++;
                threads.add(new Thread(() -> write(writer, new Random(s)), writer.name()));
            }
        }
        threads.add(new Thread(this::read, "invariant-reader"));
        threads.forEach(Thread::start);
    }

    /** Stops writers and reader and waits for them. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(60_000);
            if (t.isAlive()) {
                failures.add(t.getName() + " did not stop within 60 s");
                t.interrupt();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    long commits() {
        return commits.get();
    }

    long polls() {
        return polls.get();
    }

    List<String> failures() {
        return new ArrayList<>(failures);
    }

    BufferSampler buffers() {
        return buffers;
    }

    String summary() {
        return commits.get() + " transactions committed (" + retried.get() + " retried after deadlocks), " + polls.get()
                + " reader polls, " + reconnects.get() + " reconnects, " + readerErrors.get() + " failed polls; "
                + buffers.summary();
    }

    private void write(Workload.Writer writer, Random random) {
        Connection c = null;
        while (running.get()) {
            try {
                if (c == null) {
                    c = E2eSupport.connect();
                    c.setAutoCommit(false);
                }
                writer.tx().run(c, random, ctx);
                commits.incrementAndGet();
                if (writer.paceMs() > 0) {
                    Thread.sleep(writer.paceMs()); // the application's pace, not a wait for a condition
                }
            } catch (SQLException e) {
                rollbackQuietly(c);
                if (lostConnection(e, c)) {
                    closeQuietly(c);
                    c = null;
                    reconnects.incrementAndGet();
                    if (!faults) {
                        failures.add(writer.name() + " lost its connection: " + e);
                        return;
                    }
                    pause(100);
                } else if (conflict(e)) {
                    retried.incrementAndGet();
                } else {
                    failures.add(writer.name() + " failed: " + e);
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                failures.add(writer.name() + " failed: " + e);
                break;
            }
        }
        rollbackQuietly(c);
        closeQuietly(c);
    }

    private void read() {
        Connection c = null;
        long nextSample = 0;
        while (running.get()) {
            try {
                if (c == null) {
                    c = E2eSupport.connect();
                }
                try (Statement s = c.createStatement()) {
                    for (Workload w : workloads) {
                        w.poll(s);
                    }
                    polls.incrementAndGet();
                    if (System.currentTimeMillis() >= nextSample) {
                        buffers.sample(s);
                        nextSample = System.currentTimeMillis() + 1000;
                    }
                }
                pause(20); // polling pace
            } catch (SQLException e) {
                readerErrors.incrementAndGet();
                if (faults && lostConnection(e, c)) {
                    closeQuietly(c);
                    c = null;
                    pause(100);
                } else {
                    failures.add("reader failed: " + e);
                    return;
                }
            } catch (RuntimeException e) {
                failures.add("reader failed: " + e);
                e.printStackTrace();
                return;
            }
        }
        closeQuietly(c);
    }

    static boolean lostConnection(SQLException e, Connection c) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
            return true;
        }
        try {
            return c == null || c.isClosed() || !c.isValid(2);
        } catch (SQLException probe) {
            return true;
        }
    }

    static boolean conflict(SQLException e) {
        return "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void rollbackQuietly(Connection c) {
        if (c != null) {
            try {
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
            } catch (SQLException ignored) {
                // lost with the connection
            }
        }
    }

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    /** Samples the change buffers (pgtrickle.change_buffer_status) about once a second. */
    static final class BufferSampler {
        private long samples;
        private long maxPending;
        private long lastPending;
        private long maxOpen;

        void sample(Statement s) throws SQLException {
            try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(pending_rows), 0), coalesce(max(open_transactions), 0) "
                    + "FROM pgtrickle.change_buffer_status()")) {
                rs.next();
                synchronized (this) {
                    samples++;
                    lastPending = rs.getLong(1);
                    maxPending = Math.max(maxPending, lastPending);
                    maxOpen = Math.max(maxOpen, rs.getLong(2));
                }
            }
        }

        synchronized long maxPending() {
            return maxPending;
        }

        synchronized long samples() {
            return samples;
        }

        synchronized String summary() {
            return "change buffers: " + samples + " samples, at most " + maxPending + " pending rows, last " + lastPending
                    + ", at most " + maxOpen + " open writers per buffer";
        }
    }
}
