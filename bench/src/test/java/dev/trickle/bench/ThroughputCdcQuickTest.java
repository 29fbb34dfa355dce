package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The throughput benchmark's capture modes, small enough for every build: the setting, the per-backend CPU that says
 * where WAL capture's cost goes (the writers' backends, the walsender, a decoding thread found by its name), and the
 * trigger-versus-WAL verdicts against issue 11's targets. The whole run needs the stack (docs/benchmarks.md).
 */
class ThroughputCdcQuickTest {
    @Test
    void theCaptureModeSettingNamesTheCopiesAndRefusesAnUnknownMode() {
        assertEquals(List.of(ThroughputPipeline.TRIGGER), ThroughputPipeline.parse(null));
        assertEquals(List.of(ThroughputPipeline.TRIGGER, ThroughputPipeline.WAL), ThroughputPipeline.parse(" Both "));
        assertEquals(List.of(ThroughputPipeline.WAL, ThroughputPipeline.TRIGGER), ThroughputPipeline.parse("wal, trigger"));
        ThroughputPipeline wal = ThroughputPipeline.parse("wal").get(0);
        assertEquals("wal_orders", wal.orders());
        assertEquals("'tp_wal_revenue', 'tp_wal_paid'", wal.inList());
        assertTrue(wal.queries().get("tp_wal_revenue").contains("FROM wal_orders o JOIN wal_customers c"),
                wal.queries().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ThroughputPipeline.parse("logical"));
        assertTrue(e.getMessage().contains("bench.throughput.cdc is 'logical': use trigger, wal or both"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ThroughputPipeline.parse("wal,wal"));
    }

    @Test
    void backendCpuAttributesTheWritersTheWalsenderAndTheDecodingThread() throws Exception {
        Properties credentials = new Properties();
        credentials.setProperty("user", "postgres");
        credentials.setProperty("password", "postgres");
        AtomicBoolean spin = new AtomicBoolean(true);
        Thread decoder = new Thread(() -> {
            long x = 0;
            while (spin.get()) {
                x += System.nanoTime() % 7; // CPU for the thread found by its name
            }
            assertTrue(x >= 0);
        }, "trickle-wal-quicktest");
        try (EmbeddedPostgres pg = CaptureMain.startPostgres()) {
            String url = CaptureMain.database(pg);
            try (Connection c = DriverManager.getConnection(url, credentials); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE wal_orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) "
                        + "NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
                s.execute("CREATE SEQUENCE wal_orders_ids START 1001");
                s.execute("INSERT INTO wal_orders (id, customer_id, amount, status) SELECT g, g % 10, 1, 'new' "
                        + "FROM generate_series(1, 1000) g");
                s.execute("CREATE PUBLICATION " + CaptureTables.PUBLICATION + " FOR TABLE wal_orders");
                try (WalConsumer wal = WalConsumer.start(url, credentials);
                     Writers writers = new Writers(() -> DriverManager.getConnection(url, credentials), 2, 10, 1000)) {
                    long walsender = wal.walsenderPid(c);
                    BackendCpu cpu = new BackendCpu(ProcessHandle.current().pid(), writers.backendPids());
                    Map<Long, BackendCpu.Sample> before = cpu.snapshot(c);
                    double jvmBefore = ProcessCpu.millis(ProcessHandle.current().pid());
                    assertEquals(BackendCpu.WALSENDER, before.get(walsender).group());
                    decoder.start();
                    Writers.Result run = writers.run("wal_orders", 2, 0);
                    wal.awaitCaughtUp();
                    long tid = BackendCpu.threads(ProcessHandle.current().pid(), "trickle-wal-").iterator().next();
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (ProcessCpu.threadMillis(ProcessHandle.current().pid(), tid) < 30 && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    Map<String, Double> used = BackendCpu.minus(cpu.snapshot(c), before);
                    double jvm = ProcessCpu.millis(ProcessHandle.current().pid()) - jvmBefore;
                    assertTrue(run.transactions() > 0, "the writers committed");
                    assertTrue(used.get(BackendCpu.WRITERS) > 0, used.toString());
                    assertTrue(used.get(BackendCpu.WALSENDER) >= 0, used.toString());
                    assertTrue(used.get(BackendCpu.DECODER) >= 30, used.toString());
                    // the thread's own time, not its process's: the writers' and the consumer's threads ran too
                    assertTrue(used.get(BackendCpu.DECODER) < jvm, used + " against the JVM's " + jvm + " ms");
                }
            }
        } finally {
            spin.set(false);
            decoder.join(10_000);
        }
    }

    @Test
    void theComparisonReportsWalAgainstTriggerAndTheWriteSide() {
        ThroughputConfig cfg = new ThroughputConfig(200_000, 10_000, 4, 10, 0, 20, 20, 50, 1000, 600, Path.of("out.md"),
                Path.of("work"), ThroughputPipeline.parse("both"));
        ThroughputReport trigger = report(cfg, ThroughputPipeline.TRIGGER, 1000, 30, 400.0);
        ThroughputReport wal = report(cfg, ThroughputPipeline.WAL, 1000, 5, 300.0);
        // (b): 20,000 row changes over 20 + 30 s (400/s) against 20 + 5 s (800/s): 2×; PostgreSQL alone 6,000/s
        String md = ThroughputCdcReport.comparison(List.of(trigger, wal));
        assertTrue(md.contains("| **(b) sustained, row changes/s** | 400 | 800 | 2.00 |"), md);
        assertTrue(md.contains("sustained rate ≥ 1.5× trigger's (2.00×: met) and ≥ 0.3 of PostgreSQL's own (0.133: not met)"), md);
        // the writers' backends: 300 ms for 3,000 tx alone (100 µs), 400 and 300 ms for 1,000 tx captured
        assertTrue(md.contains("| write side: the writers' backends, µs per transaction | 400 | 300 | 0.75 |"), md);
        assertTrue(md.contains("trigger capture adds +300%, WAL capture +200%"), md);
        assertTrue(md.contains("| CPU: " + BackendCpu.WALSENDER + " | 0.0 | 5.0 | – |"), md);
        String detail = wal.markdown();
        assertTrue(detail.contains("| " + BackendCpu.DECODER + " | 0.0 | 2.5 |"), detail);
        assertTrue(detail.contains("| " + ThroughputCdcReport.PG_OTHER + " | 0.0 | 15.0 |"), detail);

        wal.difference = "tp_wal_paid differs from its query in 1 row(s)";
        assertEquals("", ThroughputCdcReport.comparison(List.of(trigger, wal)), "no comparison for a wrong result");
    }

    private static ThroughputReport report(ThroughputConfig cfg, ThroughputPipeline p, int transactions, double catchUp,
                                           double writersMs) {
        ThroughputReport r = new ThroughputReport(cfg, p);
        r.pgAlone = result(3000, 10);
        r.sustained = result(transactions, 20);
        r.fresh = result(100, 2);
        r.catchUpSeconds = catchUp;
        r.cpu.put("a", Map.of(ComponentCpu.POSTGRES, 300.0, ComponentCpu.BENCH, 100.0, ComponentCpu.STACK, 600.0));
        r.cpu.put("b", Map.of(ComponentCpu.POSTGRES, 700.0, ComponentCpu.BENCH, 100.0, ComponentCpu.STACK, 2000.0));
        r.detail.put("a", Map.of(BackendCpu.WRITERS, 300.0));
        boolean wal = p.equals(ThroughputPipeline.WAL);
        r.detail.put("b", wal ? Map.of(BackendCpu.WRITERS, writersMs, BackendCpu.WALSENDER, 100.0, BackendCpu.DECODER, 50.0)
                : Map.of(BackendCpu.WRITERS, writersMs));
        r.wall.put("a", 10.0);
        r.wall.put("b", 20 + catchUp);
        r.checked = true;
        return r;
    }

    private static Writers.Result result(int transactions, double seconds) {
        List<Writers.Commit> commits = java.util.stream.IntStream.range(0, transactions)
                .mapToObj(i -> new Writers.Commit(String.valueOf(1000 + i), i)).toList();
        return new Writers.Result(commits, seconds, 0, List.of("1099"));
    }
}
