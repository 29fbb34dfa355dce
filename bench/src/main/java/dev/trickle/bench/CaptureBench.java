package dev.trickle.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write-side capture matrix (issue 11, item 4): for each table width and capture mode, the time of one bulk
 * INSERT ... SELECT, UPDATE and DELETE of {@code bulkRows} rows (each its own transaction, commit included), and
 * the rate of pgbench-style single-row transactions from a few clients for a fixed time. Every repetition visits
 * the modes in a rotated order (interleaved), so that a busy moment of the machine does not fall on one mode;
 * each cell starts from the same state (an empty change buffer, a vacuumed table, a checkpoint).
 */
final class CaptureBench {
    static final List<String> BULK_OPS = List.of("INSERT", "UPDATE", "DELETE");
    static final String SINGLE = "single-row";

    /** One measurement: an operation (a bulk statement or SINGLE) on a table of a width, captured in a mode. */
    record Cell(String op, int width, CaptureMode mode) {
    }

    private final CaptureConfig cfg;
    private final String url;
    private final Properties credentials;
    /** Bulk: milliseconds per statement; SINGLE: transactions per second. */
    final Map<Cell, List<Double>> samples = new LinkedHashMap<>();
    /** WAL cells: pgoutput messages and bytes the consumer read, per cell kind (the last repetition's). */
    final Map<Cell, long[]> walRead = new LinkedHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1_000_000_000L);

    CaptureBench(CaptureConfig cfg, String url, Properties credentials) {
        this.cfg = cfg;
        this.url = url;
        this.credentials = credentials;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, credentials);
    }

    void run() throws Exception {
        try (Connection c = connect()) {
            CaptureTables.create(c, cfg.modes(), cfg.widths());
            for (int rep = 0; rep < cfg.reps(); rep++) {
                for (int w = 0; w < cfg.widths().size(); w++) {
                    for (CaptureMode mode : rotated(rep + w)) {
                        bulkCell(c, mode, cfg.widths().get(w));
                    }
                }
                Log.step("bulk DML: repetition %d of %d done", rep + 1, cfg.reps());
            }
            for (CaptureMode mode : cfg.modes()) {
                for (int width : cfg.widths()) {
                    exec(c, CaptureTables.insertRangeSql(CaptureTables.name(mode, width), width, 1, cfg.singleTableRows()));
                }
            }
            for (int rep = 0; rep < cfg.reps(); rep++) {
                for (int w = 0; w < cfg.widths().size(); w++) {
                    for (CaptureMode mode : rotated(rep + w)) {
                        singleCell(c, mode, cfg.widths().get(w));
                    }
                }
                Log.step("single-row DML: repetition %d of %d done", rep + 1, cfg.reps());
            }
        }
    }

    private List<CaptureMode> rotated(int by) {
        List<CaptureMode> modes = cfg.modes();
        List<CaptureMode> out = new ArrayList<>();
        for (int i = 0; i < modes.size(); i++) {
            out.add(modes.get((i + by) % modes.size()));
        }
        return out;
    }

    /** The same start for every cell: nothing buffered, no dead rows, nothing dirty to write back. */
    private void prepare(Connection c, String table) throws SQLException {
        String buffer = CaptureTables.buffer(c, table);
        if (buffer != null) {
            exec(c, "TRUNCATE " + buffer);
        }
        exec(c, "VACUUM ANALYZE " + table);
        exec(c, "CHECKPOINT");
    }

    private void bulkCell(Connection c, CaptureMode mode, int width) throws Exception {
        String table = CaptureTables.name(mode, width);
        prepare(c, table);
        try (WalConsumer wal = mode == CaptureMode.WAL ? WalConsumer.start(url, credentials) : null) {
            record(new Cell("INSERT", width, mode), timeMs(c, CaptureTables.insertRangeSql(table, width, 1, cfg.bulkRows())));
            record(new Cell("UPDATE", width, mode), timeMs(c, CaptureTables.updateAllSql(table)));
            record(new Cell("DELETE", width, mode), timeMs(c, "DELETE FROM " + table));
            if (wal != null) {
                wal.awaitCaughtUp();
                walRead.put(new Cell("bulk", width, mode), new long[] {wal.messages(), wal.bytes()});
            }
        }
    }

    private void singleCell(Connection c, CaptureMode mode, int width) throws Exception {
        String table = CaptureTables.name(mode, width);
        prepare(c, table);
        try (WalConsumer wal = mode == CaptureMode.WAL ? WalConsumer.start(url, credentials) : null) {
            record(new Cell(SINGLE, width, mode), singleRowRate(table, width));
            if (wal != null) {
                wal.awaitCaughtUp();
                walRead.put(new Cell(SINGLE, width, mode), new long[] {wal.messages(), wal.bytes()});
            }
        }
    }

    /**
     * Transactions per second of {@code clients} threads for {@code singleSeconds}: each transaction updates one
     * random row, inserts one row and deletes the row its client inserted in its previous transaction (pgbench's
     * shape of a few single-row statements; the table keeps its size).
     */
    private double singleRowRate(String table, int width) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(cfg.clients());
        CountDownLatch ready = new CountDownLatch(cfg.clients());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Long>> clients = new ArrayList<>();
            for (int i = 0; i < cfg.clients(); i++) {
                clients.add(pool.submit(() -> client(table, width, ready, go)));
            }
            ready.await();
            long t0 = System.nanoTime();
            go.countDown();
            long committed = 0;
            for (Future<Long> f : clients) {
                committed += f.get();
            }
            return committed / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private long client(String table, int width, CountDownLatch ready, CountDownLatch go) throws Exception {
        try (Connection c = connect();
             PreparedStatement upd = c.prepareStatement("UPDATE " + table + " SET c1 = c1 + 1 WHERE id = ?");
             PreparedStatement ins = c.prepareStatement(CaptureTables.insertOneSql(table, width));
             PreparedStatement del = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            c.setAutoCommit(false);
            ready.countDown();
            go.await();
            long deadline = System.nanoTime() + cfg.singleSeconds() * 1_000_000_000L;
            long committed = 0;
            long previous = -1;
            while (System.nanoTime() < deadline) {
                upd.setLong(1, 1 + ThreadLocalRandom.current().nextInt(cfg.singleTableRows()));
                upd.executeUpdate();
                long id = nextId.incrementAndGet();
                ins.setLong(1, id);
                ins.executeUpdate();
                if (previous > 0) {
                    del.setLong(1, previous);
                    del.executeUpdate();
                }
                c.commit();
                previous = id;
                committed++;
            }
            return committed;
        }
    }

    private void record(Cell cell, double value) {
        samples.computeIfAbsent(cell, k -> new ArrayList<>()).add(value);
    }

    private static double timeMs(Connection c, String sql) throws SQLException {
        long t0 = System.nanoTime();
        exec(c, sql);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
