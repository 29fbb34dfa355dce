package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The throughput benchmark's small parts: its settings, the sustained rate, the report's verdicts, process-tree CPU. */
class ThroughputPartsTest {
    private static ThroughputConfig config(int threads) {
        return new ThroughputConfig(200_000, 10_000, threads, 10, 0, 20, 20, 50, 1000, 600, Path.of("out.md"), Path.of("work"),
                List.of(ThroughputPipeline.TRIGGER));
    }

    private static Writers.Result result(int transactions, double seconds) {
        List<Writers.Commit> commits = java.util.stream.IntStream.range(0, transactions)
                .mapToObj(i -> new Writers.Commit(String.valueOf(1000 + i), i)).toList();
        return new Writers.Result(commits, seconds, 0, List.of("1098", "1099"));
    }

    @Test
    void badSettingsAreRefusedNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(0).checked());
        assertTrue(e.getMessage().contains("bench.throughput.threads is 0"), e.getMessage());
        System.setProperty("bench.throughput.writeSeconds", "twenty");
        try {
            e = assertThrows(IllegalArgumentException.class, ThroughputConfig::fromSystemProperties);
            assertTrue(e.getMessage().contains("bench.throughput.writeSeconds must be a whole number, not 'twenty'"),
                    e.getMessage());
        } finally {
            System.clearProperty("bench.throughput.writeSeconds");
        }
        assertEquals(4, ThroughputConfig.fromSystemProperties().threads());
    }

    @Test
    void theSustainedRateCountsTheCatchUpAndNoRateIsReportedForAWrongResult() {
        ThroughputReport r = new ThroughputReport(config(4));
        r.pgAlone = result(3000, 10);
        r.sustained = result(1000, 20);
        r.fresh = result(100, 2);
        r.catchUpSeconds = 30;
        r.freshness = Map.of(ThroughputPipeline.TRIGGER.filter(), List.of(500.0, 700.0));
        // 1,000 transactions of 20 row changes over 20 s of writing and 30 s of catch-up
        assertEquals(400, r.sustainedRate(), 1e-9);
        assertEquals("{1098,1099}", r.sustained.lastXidsArray());

        // (a): 60,000 row changes for 1.2 s of PostgreSQL and writers; (b): 20,000 for 6 s of the whole stack
        r.cpu.put("a", Map.of(ComponentCpu.POSTGRES, 900.0, ComponentCpu.BENCH, 300.0, ComponentCpu.STACK, 2000.0));
        r.cpu.put("b", Map.of(ComponentCpu.POSTGRES, 2000.0, ComponentCpu.BENCH, 500.0, ComponentCpu.STACK, 6000.0));
        r.wall.put("a", 10.0);
        r.wall.put("b", 50.0);
        r.checked = true;
        assertTrue(r.verified());
        String md = r.markdown();
        assertTrue(md.contains("**400 row changes/s = 20 tx/s**"), md);
        assertTrue(md.contains("**0.067**"), md); // 400 / (300 tx/s × 20)
        // 20 ms per 1,000 row changes alone against 300 ms through the pipeline
        assertTrue(md.contains("costs 15× what it costs PostgreSQL alone"), md);
        assertFalse(md.contains("(b0)"), md);

        // the pipeline's warm-up before (b): its cold rate is reported beside, (b) alone makes the sustained rate
        r.warmup = result(500, 20);
        r.warmupCatchUpSeconds = 80;
        assertEquals(100, r.warmupRate(), 1e-9);
        md = r.markdown();
        assertTrue(md.contains("caught up 80.0 s later; the rate with cold JVMs (ratio) | 100 row changes/s (0.017) |"), md);
        assertTrue(md.contains("**400 row changes/s = 20 tx/s**"), md);

        r.difference = "tp_paid differs from its query in 2 row(s)";
        assertFalse(r.verified());
        md = r.markdown();
        assertFalse(md.contains("sustained rate"), md);
        assertTrue(md.contains("no rate is reported for a wrong result"), md);
    }

    @Test
    void aProcessTreeCostsAtLeastItsOwnCpuTime() {
        long pid = ProcessHandle.current().pid();
        double own = ProcessCpu.millis(pid);
        assertTrue(own > 0, "CPU time of this JVM: " + own);
        assertTrue(ProcessCpu.treeMillis(pid) >= own);
        assertEquals(-1, ProcessCpu.treeMillis(Long.MAX_VALUE));
        Map<String, Double> d = ComponentCpu.minus(Map.of("a", 5.0, "b", -1.0), Map.of("a", 2.0, "b", 1.0));
        assertEquals(3.0, d.get("a"));
        assertEquals(-1.0, d.get("b"));
    }
}
