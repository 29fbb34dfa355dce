package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka floor benchmark end to end on a tiny run (a real broker on ephemeral ports, the three client processes):
 * the sink reads exactly the delta records the traffic makes, every process's CPU is counted, and the report's
 * arithmetic (ms per 1,000 row changes, the sum, the bound) holds. The measurement itself: docs/benchmarks.md.
 */
class KafkaFloorQuickTest {
    @TempDir
    Path dir;

    @Test
    void aTinyRunDeliversEveryTickAndItsCpuFiguresAddUp() throws Exception {
        KafkaFloorConfig cfg = new KafkaFloorConfig(6_000, 2_000, 0, 1000, 1_000, 200, 0.5, 240, dir.resolve("out.md"), dir,
                Map.of("source.linger.ms", "5", "broker.num.io.threads", "2")).checked();
        KafkaFloorRun.Result r = KafkaFloorRun.run(cfg, dir.resolve("run"));

        // 8 ticks of 1,000 row changes: 1,500 change records each, 0.4528 filter delta records per change record
        assertEquals(12_000L * 195_030 / 430_698, r.paidRecords(), "the filter's delta records, warm-up included");
        assertEquals(cfg.expectedPaidRecords(), r.paidRecords());
        assertEquals(8 * 28, r.revenueRecords(), "the aggregate's delta records: 28 per tick");
        for (String c : List.of(KafkaFloorRun.BROKER, KafkaFloorRun.SOURCE, KafkaFloorRun.STREAMS, KafkaFloorRun.SINK)) {
            assertTrue(r.cpuMs().get(c) >= 0, c + ": " + r.cpuMs());
        }
        double sum = r.cpuMs().get(KafkaFloorRun.BROKER) + r.cpuMs().get(KafkaFloorRun.SOURCE)
                + r.cpuMs().get(KafkaFloorRun.STREAMS) + r.cpuMs().get(KafkaFloorRun.SINK);
        assertEquals(sum, r.cpuMs().get(KafkaFloorRun.CLIENTS), 1e-6);
        assertTrue(sum > 0, "the processes used CPU for 6,000 row changes: " + r.cpuMs());
        assertTrue(r.seconds() > 0, "measured from go to the sink's last tick: " + r.seconds());
        Map<String, Double> per = KafkaFloorReport.perThousand(r, cfg.rowChanges());
        assertEquals(sum / 6, per.get(KafkaFloorRun.CLIENTS), 1e-6, "ms per 1,000 of 6,000 row changes");

        String md = KafkaFloorReport.markdown(cfg, r, Map.of("load", "test"), 20, 5, 10);
        assertTrue(md.contains("filter " + String.format("%,d", r.paidRecords()) + " (expected "
                + String.format("%,d", cfg.expectedPaidRecords()) + ")"), md);
        assertTrue(md.contains("{broker.num.io.threads=2, source.linger.ms=5}"), md);
        assertTrue(!Files.exists(dir.resolve("run/kafka/data")),
                "the broker's data is deleted after the run");
        assertTrue(Files.exists(dir.resolve("run/logs/streams.log")), "the clients' logs stay");
    }

    @Test
    void theBoundIsTwoCoresOverTheSumAndTheRatioPostgresOverTheSum() {
        // 20 + 5 + 65 + 10 = 100 ms per 1,000 row changes: 2 cores carry 20,000/s; PostgreSQL alone 100,000/s
        KafkaFloorReport.Bound b = KafkaFloorReport.bound(20, 5, 65, 10, 2);
        assertEquals(100, b.totalMs(), 1e-9);
        assertEquals(20_000, b.rate(), 1e-6);
        assertEquals(0.2, b.ratio(), 1e-9);
    }

    @Test
    void settingsAreCheckedAndTheRolesOverridesSplitByPrefix() {
        KafkaFloorConfig cfg = new KafkaFloorConfig(10, 0, 500, 200, 1, 100, 1.0, 60, dir, dir,
                Map.of("streams.linger.ms", "5", "sink.fetch.min.bytes", "1", "broker.x", "y"));
        assertEquals(Map.of("linger.ms", "5"), cfg.overridesOf("streams"));
        assertEquals(100, cfg.tickRowChanges(), "a tick interval's worth at the rate");
        assertEquals(List.of(100L, 100L, 100L), List.of(cfg.ticks(300)[0], cfg.ticks(300)[1], cfg.ticks(300)[2]));
        assertEquals(50, cfg.ticks(150)[1], "the last tick is what is left");
        assertEquals("500", cfg.asSystemProperties().get("bench.kfloor.rate"));
        assertEquals("5", cfg.asSystemProperties().get("bench.kfloor.streams.linger.ms"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KafkaFloorConfig(10, 0, -1,
                1000, 1, 200, 1.0, 60, dir, dir, Map.of()).checked());
        assertTrue(e.getMessage().contains("bench.kfloor.rate is -1"), e.getMessage());
    }
}
