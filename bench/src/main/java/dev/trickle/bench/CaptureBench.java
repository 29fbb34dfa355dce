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
    /**
     * Server CPU of the same cells (on a machine shared with other work, wall times vary 2x and more; CPU time
     * much less): bulk, ms of the writer's backend per statement; SINGLE, us of the clients' backends per
     * transaction. NaN where the server's processes cannot be read (a server on another machine).
     */
    final Map<Cell, List<Double>> cpu = new LinkedHashMap<>();
    /** WAL cells: CPU of the walsender decoding for the consumer: bulk, ms for the three statements; SINGLE, us per transaction. */
    final Map<Cell, List<Double>> walsenderCpu = new LinkedHashMap<>();
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
        long pid = backendPid(c);
        try (WalConsumer wal = mode == CaptureMode.WAL ? WalConsumer.start(url, credentials) : null) {
            double walCpu0 = wal == null ? 0 : ProcessCpu.millis(wal.walsenderPid(c));
            timed(c, pid, new Cell("INSERT", width, mode), CaptureTables.insertRangeSql(table, width, 1, cfg.bulkRows()));
            timed(c, pid, new Cell("UPDATE", width, mode), CaptureTables.updateAllSql(table));
            timed(c, pid, new Cell("DELETE", width, mode), "DELETE FROM " + table);
            if (wal != null) {
                wal.awaitCaughtUp();
                Cell cell = new Cell("bulk", width, mode);
                add(walsenderCpu, cell, cpuSince(wal.walsenderPid(c), walCpu0));
                walRead.put(cell, new long[] {wal.messages(), wal.bytes()});
            }
        }
    }

    private void singleCell(Connection c, CaptureMode mode, int width) throws Exception {
        String table = CaptureTables.name(mode, width);
        prepare(c, table);
        try (WalConsumer wal = mode == CaptureMode.WAL ? WalConsumer.start(url, credentials) : null) {
            double walCpu0 = wal == null ? 0 : ProcessCpu.millis(wal.walsenderPid(c));
            Cell cell = new Cell(SINGLE, width, mode);
            long committed = singleRowRate(cell, table, width);
            if (wal != null) {
                wal.awaitCaughtUp();
                add(walsenderCpu, cell, cpuSince(wal.walsenderPid(c), walCpu0) * 1000 / committed);
                walRead.put(cell, new long[] {wal.messages(), wal.bytes()});
            }
        }
    }

    /**
     * Transactions per second of {@code clients} threads for {@code singleSeconds}: each transaction updates one
     * random row, inserts one row and deletes the row its client inserted in its previous transaction (pgbench's
     * shape of a few single-row statements; the table keeps its size).
     */
    private long singleRowRate(Cell cell, String table, int width) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(cfg.clients());
        CountDownLatch ready = new CountDownLatch(cfg.clients());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<long[]>> clients = new ArrayList<>();
            for (int i = 0; i < cfg.clients(); i++) {
                clients.add(pool.submit(() -> client(table, width, ready, go)));
            }
            ready.await();
            long t0 = System.nanoTime();
            go.countDown();
            long committed = 0;
            double cpuMs = 0;
            for (Future<long[]> f : clients) {
                long[] r = f.get();
                committed += r[0];
                cpuMs = r[1] < 0 || cpuMs < 0 ? -1 : cpuMs + r[1] / 1000.0;
            }
            add(samples, cell, committed / ((System.nanoTime() - t0) / 1e9));
            add(cpu, cell, cpuMs < 0 ? Double.NaN : cpuMs * 1000 / committed);
            return committed;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Transactions committed, and the CPU its backend used meanwhile (us; -1 where unreadable). */
    private long[] client(String table, int width, CountDownLatch ready, CountDownLatch go) throws Exception {
        try (Connection c = connect();
             PreparedStatement upd = c.prepareStatement("UPDATE " + table + " SET c1 = c1 + 1 WHERE id = ?");
             PreparedStatement ins = c.prepareStatement(CaptureTables.insertOneSql(table, width));
             PreparedStatement del = c.prepareStatement("DELETE FROM " + table + " WHERE id = ?")) {
            long pid = backendPid(c);
            c.setAutoCommit(false);
            ready.countDown();
            go.await();
            double cpu0 = ProcessCpu.millis(pid);
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
            double cpu1 = ProcessCpu.millis(pid);
            return new long[] {committed, cpu0 < 0 || cpu1 < 0 ? -1 : Math.round((cpu1 - cpu0) * 1000)};
        }
    }

    /** Runs one bulk statement, recording its wall time and its backend's CPU time. */
    private void timed(Connection c, long pid, Cell cell, String sql) throws SQLException {
        double cpu0 = ProcessCpu.millis(pid);
        long t0 = System.nanoTime();
        exec(c, sql);
        add(samples, cell, (System.nanoTime() - t0) / 1e6);
        add(cpu, cell, cpuSince(pid, cpu0));
    }

    private static double cpuSince(long pid, double cpu0) {
        double cpu1 = ProcessCpu.millis(pid);
        return cpu0 < 0 || cpu1 < 0 ? Double.NaN : cpu1 - cpu0;
    }

    private static void add(Map<Cell, List<Double>> to, Cell cell, double value) {
        to.computeIfAbsent(cell, k -> new ArrayList<>()).add(value);
    }

    static long backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
