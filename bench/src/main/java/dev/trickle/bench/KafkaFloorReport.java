package dev.trickle.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Kafka floor's figures as Markdown, and the bound they set: with PostgreSQL's own cost of the writes, capture and
 * the sink's apply at their floors and Kafka at this floor, the rate two cores carry at best and its ratio to
 * PostgreSQL alone, against issue 10's targets.
 */
final class KafkaFloorReport {
    /** The bound: rate and ratio with every part at its floor, CPU-bound on {@code cores}. */
    record Bound(double totalMs, double rate, double ratio) {
    }

    /**
     * CPU ms per 1,000 row changes of each part in, the bound out: two cores' CPU time over the sum of the parts is the
     * rate; PostgreSQL alone, CPU-bound on the same cores, runs at {@code cores / pgMs}, so the ratio is pgMs / total.
     */
    static Bound bound(double pgMs, double captureMs, double kafkaMs, double applyMs, int cores) {
        double total = pgMs + captureMs + kafkaMs + applyMs;
        return new Bound(total, cores * 1_000_000 / total, pgMs / total);
    }

    /** CPU ms per 1,000 row changes of each component in {@code result}. */
    static Map<String, Double> perThousand(KafkaFloorRun.Result result, long rowChanges) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        result.cpuMs().forEach((k, v) -> out.put(k, v < 0 ? -1 : v / (rowChanges / 1000.0)));
        return out;
    }

    static String markdown(KafkaFloorConfig cfg, KafkaFloorRun.Result r, Map<String, String> machine, double pgMs,
                           double captureMs, double applyMs) {
        StringBuilder b = new StringBuilder("# Kafka floor of the throughput pipeline\n\n");
        KafkaFloorTraffic t = cfg.traffic();
        b.append(String.format(Locale.ROOT, "%,d row changes after %,d of warm-up, %s, ticks of %,d row changes; "
                + "commit.interval.ms=%d; per row change %.2f change records (%d + %d B), %.2f gather records (%d + %d B), "
                + "%.3f filter delta records (%d + %d B), %.3f join-state changelog records (%d + %d B); per tick %d "
                + "aggregate delta records (%d + %d B), %d ledger changelog records, markers, a Connect offset. "
                + "Settings tried: %s.%n%n", cfg.rowChanges(), cfg.warmupRowChanges(), cfg.rate() > 0
                ? String.format(Locale.ROOT, "paced at %,d row changes/s", cfg.rate()) : "flat out (ticks back to back)",
                cfg.tickRowChanges(), cfg.commitIntervalMs(), t.changesPerRowChange(), t.changeKey(), t.changeValue(),
                t.changesPerRowChange() * t.gatherPerChange(), t.gatherKey(), t.gatherValue(),
                t.changesPerRowChange() * t.paidPerChange(), t.paidKey(), t.paidValue(),
                t.changesPerRowChange() * t.gatherPerChange() * t.stateLogPerGathered(), t.stateKey(), t.stateValue(),
                t.aggregatePerTick(), t.aggregateKey(), t.aggregateValue(), t.metaLogPerTick(),
                cfg.overrides().isEmpty() ? "none (as shipped)" : cfg.overrides().toString()));
        double rate = cfg.rowChanges() / r.seconds();
        b.append(String.format(Locale.ROOT, "Measured ticks: %.1f s, **%,.0f row changes/s** end to end (source's first "
                + "measured tick to the sink's reading the last).%n%n| process | CPU s | cores busy | **ms per 1,000 row "
                + "changes** |%n|---|---:|---:|---:|%n", r.seconds(), rate));
        Map<String, Double> per = perThousand(r, cfg.rowChanges());
        for (Map.Entry<String, Double> e : r.cpuMs().entrySet()) {
            double ms = e.getValue();
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %s |%n", e.getKey(), ms / 1000, ms / 1000 / r.seconds(),
                    e.getKey().equals(KafkaFloorRun.MACHINE) ? "(everything on the machine)"
                            : String.format(Locale.ROOT, "%.1f", per.get(e.getKey()))));
        }
        double kafka = per.get(KafkaFloorRun.CLIENTS);
        Bound bound = bound(pgMs, captureMs, kafka, applyMs, Runtime.getRuntime().availableProcessors());
        b.append(String.format(Locale.ROOT, "%nDelta records the sink read in the whole run: filter %,d (expected %,d), "
                + "aggregate %,d (expected %,d).%n%n", r.paidRecords(), cfg.expectedPaidRecords(), r.revenueRecords(),
                cfg.expectedRevenueRecords()));
        b.append(String.format(Locale.ROOT, "**Bound** (CPU ms per 1,000 row changes): PostgreSQL and the writers alone "
                + "%.1f + capture at its floor %.1f + Kafka at this floor %.1f + the sink's apply at its floor %.1f = %.1f: "
                + "at best %,.0f row changes/s on %d cores (target ≥ %,.0f: %s), ratio to PostgreSQL alone %.3f (target "
                + "≥ %.1f: %s).%n%n", pgMs, captureMs, kafka, applyMs, bound.totalMs(), bound.rate(),
                Runtime.getRuntime().availableProcessors(), ThroughputReport.TARGET_ROW_CHANGES,
                bound.rate() >= ThroughputReport.TARGET_ROW_CHANGES ? "reachable" : "unreachable",
                bound.ratio(), ThroughputReport.TARGET_RATIO, bound.ratio() >= ThroughputReport.TARGET_RATIO
                        ? "reachable" : "unreachable"));
        List<String> m = new ArrayList<>();
        machine.forEach((k, v) -> m.add(k + ": " + v));
        b.append("Machine: ").append(String.join("; ", m)).append("\n");
        return b.toString();
    }
}
