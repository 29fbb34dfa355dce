package dev.trickle.core.catalog;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writers that keep committing small transactions to source tables {@code (id int PRIMARY KEY, v int)} while a
 * test changes the capture under them. Each writer works on ids of its own (no writer waits for another), a
 * transaction touches one or two of the tables in either order, and what each committed transaction must have
 * put in the change buffers is counted: an INSERT or DELETE of one row one buffer row, an UPDATE two (-old, +new).
 */
final class SourceWriters implements AutoCloseable {
    private final String url;
    private final List<String> tables;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong committed = new AtomicLong();
    private final Map<String, AtomicLong> bufferRows = new ConcurrentHashMap<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    SourceWriters(String url, List<String> tables, int writers) {
        this.url = url;
        this.tables = tables;
        tables.forEach(t -> bufferRows.put(t, new AtomicLong()));
        for (int w = 1; w <= writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> run(writer), "source-writer-" + w);
            threads.add(t);
            t.start();
        }
    }

    private void run(int writer) {
        Random random = new Random(writer);
        Map<String, List<Integer>> mine = new ConcurrentHashMap<>();
        tables.forEach(t -> mine.put(t, new ArrayList<>()));
        int next = writer * 10_000_000;
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            while (running.get()) {
                List<String> order = new ArrayList<>(tables);
                java.util.Collections.shuffle(order, random);
                int touched = 1 + random.nextInt(Math.min(2, order.size()));
                Map<String, Long> rows = new java.util.HashMap<>();
                List<Runnable> onCommit = new ArrayList<>();
                for (String table : order.subList(0, touched)) {
                    List<Integer> ids = mine.get(table);
                    int kind = ids.size() < 5 ? 0 : random.nextInt(3);
                    if (kind == 0) {
                        int id = ++next;
                        s.executeUpdate("INSERT INTO " + table + " VALUES (" + id + ", 0)");
                        rows.merge(table, 1L, Long::sum);
                        onCommit.add(() -> ids.add(id));
                    } else if (kind == 1) {
                        int id = ids.get(random.nextInt(ids.size()));
                        rows.merge(table, 2L * s.executeUpdate("UPDATE " + table + " SET v = v + 1 WHERE id = " + id), Long::sum);
                    } else {
                        int at = random.nextInt(ids.size());
                        int id = ids.get(at);
                        rows.merge(table, (long) s.executeUpdate("DELETE FROM " + table + " WHERE id = " + id), Long::sum);
                        onCommit.add(() -> ids.remove(Integer.valueOf(id)));
                    }
                }
                c.commit();
                onCommit.forEach(Runnable::run);
                rows.forEach((table, n) -> bufferRows.get(table).addAndGet(n));
                committed.incrementAndGet();
            }
        } catch (SQLException | RuntimeException e) {
            errors.add(e);
        }
    }

    long committed() {
        return committed.get();
    }

    /** The buffer rows the committed transactions wrote to {@code table}. */
    long bufferRows(String table) {
        return bufferRows.get(table).get();
    }

    /** Waits until {@code more} transactions more have committed (or a writer failed). */
    void awaitProgress(long more) throws InterruptedException {
        long target = committed() + more;
        long deadline = System.currentTimeMillis() + 60_000;
        while (committed() < target && errors.isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("writers made no progress: " + committed() + " of " + target + " transactions");
            }
            Thread.sleep(10);
        }
    }

    List<Throwable> errors() {
        return errors;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
