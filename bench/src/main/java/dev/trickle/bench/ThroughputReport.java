package dev.trickle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the throughput benchmark measured, as Markdown. */
final class ThroughputReport {
    /** Issue 10's targets: twice today's sustained rate, and ≥ 0.2 of PostgreSQL's own rate in the same run. */
    static final double TARGET_RATIO = 0.2;
    static final double TARGET_ROW_CHANGES = 12_000;
    /** A tick counts as late when it came more than this many intervals after the one before. */
    static final double LATE = 1.5;
    private static final Map<String, String> PHASES = new LinkedHashMap<>();

    static {
        PHASES.put("a", "(a) PostgreSQL alone");
        PHASES.put("b", "(b) pipeline flat out + catch-up");
        PHASES.put("c", "(c) fixed rate");
    }

    private final ThroughputConfig cfg;
    final ThroughputPipeline pipeline;
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, String> loads = new LinkedHashMap<>();
    final Map<String, Map<String, Double>> cpu = new LinkedHashMap<>();
    final Map<String, Double> wall = new LinkedHashMap<>();
    /** Per phase: CPU (ms) of PostgreSQL's backends by what they serve, and of Connect's WAL decoding thread. */
    final Map<String, Map<String, Double>> detail = new LinkedHashMap<>();
    Writers.Result pgAlone;
    Writers.Result sustained;
    /** The pipeline's warm-up before (b) (null: none), and its catch-up. */
    Writers.Result warmup;
    double warmupCatchUpSeconds;
    Writers.Result fresh;
    double catchUpSeconds;
    long lastTick;
    Map<String, Double> lagAtStop = Map.of();
    Map<String, List<Double>> freshness = Map.of();
    List<Double> ticksWriting = List.of();
    List<Double> ticksCatchUp = List.of();
    List<Double> ticksFresh = List.of();
    /** The most change rows one tick of (b) carried. */
    long largestTick;
    String failure;
    String difference;
    boolean checked;
    double setupSeconds;
    double totalSeconds;

    ThroughputReport(ThroughputConfig cfg) {
        this(cfg, cfg.pipelines().get(0));
    }

    /** The report of one capture mode's pipeline; phase (a) is shared by the pipelines of one run. */
    ThroughputReport(ThroughputConfig cfg, ThroughputPipeline pipeline) {
        this.cfg = cfg;
        this.pipeline = pipeline;
        Runtime rt = Runtime.getRuntime();
        machine.put("CPU", Report.cpuModel() + " (" + rt.availableProcessors() + " cores visible to the JVM)");
        machine.put("memory", Report.memTotal());
        machine.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("load average at the start", Report.loadAverage());
        machine.put("code", Report.codeVersion());
    }

    /** Both stream tables were compared with their queries and are equal; only then is a rate reported. */
    boolean verified() {
        return failure == null && checked && difference == null;
    }

    /** Row changes of the pipeline's warm-up over its write time plus its catch-up (cold JVMs). */
    double warmupRate() {
        return warmup == null ? Double.NaN : warmup.transactions() * (double) Writers.ROW_CHANGES
                / (warmup.seconds() + warmupCatchUpSeconds);
    }

    /** Row changes of phase (b) over its write time plus its catch-up. */
    double sustainedRate() {
        return sustained == null ? Double.NaN : sustained.transactions() * (double) Writers.ROW_CHANGES
                / (sustained.seconds() + catchUpSeconds);
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# Trickle throughput benchmark, " + pipeline.cdc() + " capture\n\n");
        b.append(String.format(Locale.ROOT, "Run %s, %.0f s in all (%.0f s to start the stack, create the tables and fill "
                + "the stream tables). Written by `dev.trickle.bench.ThroughputMain` (docs/benchmarks.md, *Throughput*).%n%n",
                OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS), totalSeconds, setupSeconds));
        if (failure != null) {
            b.append("**The benchmark failed:** ").append(failure).append("\n\n");
        }
        if (checked && difference != null) {
            b.append("**A stream table differs from its query (").append(difference).append("): no rate is reported "
                    + "for a wrong result.**\n\n");
        }
        b.append(String.format(Locale.ROOT, "`%s` %,d rows, `%s` %,d, captured by %s (`cdc_mode => '%s'`); one "
                + "transaction inserts 10 orders and updates 10 (%d row changes); %d writer thread(s); `tick.interval.ms=%d`. "
                + "Stream tables: `%s` = `%s`; `%s` = `%s`.%n%n", pipeline.orders(), cfg.orders(), pipeline.customers(),
                cfg.customers(), pipeline.cdc().equals("wal") ? "the WAL" : "triggers", pipeline.cdc(), Writers.ROW_CHANGES,
                cfg.threads(), cfg.tickMs(), pipeline.aggregate(), pipeline.queries().get(pipeline.aggregate()),
                pipeline.filter(), pipeline.queries().get(pipeline.filter())));
        if (verified()) {
            rates(b);
        }
        ticks(b);
        cpuTable(b);
        ThroughputCdcReport.detailTable(b, this);
        b.append("\n- Both stream tables equal their queries at the end: ").append(!checked ? "not checked"
                : difference == null ? "yes" : "**no** (" + difference + ")").append("\n\nMachine: ");
        machine.forEach((k, v) -> b.append(k).append(": ").append(v).append("; "));
        b.append("\n\nLoad average at the start of each phase: ");
        loads.forEach((k, v) -> b.append(PHASES.get(k)).append(": ").append(v).append("; "));
        return b.append('\n').toString();
    }

    private void rates(StringBuilder b) {
        b.append("| measure | value |\n|---|---:|\n");
        double pgRows = pgAlone.rowChangesPerSecond();
        row(b, String.format(Locale.ROOT, "(a) PostgreSQL alone, uncaptured copy, %d s", cfg.pgSeconds()),
                String.format(Locale.ROOT, "%,.0f tx/s = %,.0f row changes/s", pgAlone.txPerSecond(), pgRows));
        if (warmup != null) {
            double cold = warmupRate();
            row(b, String.format(Locale.ROOT, "(b0) warm-up of the pipeline before (b), not measured into it: writers flat "
                    + "out %.1f s, caught up %.1f s later; the rate with cold JVMs (ratio)", warmup.seconds(),
                    warmupCatchUpSeconds), String.format(Locale.ROOT, "%,.0f row changes/s (%.3f)", cold, cold / pgRows));
        }
        row(b, String.format(Locale.ROOT, "(b) writers flat out on the captured tables, %.1f s", sustained.seconds()),
                String.format(Locale.ROOT, "%,d tx = %,.0f tx/s", sustained.transactions(), sustained.txPerSecond()));
        lagAtStop.forEach((st, lag) -> row(b, "(b) " + st + " behind when the writers stopped (age of its last applied tick)",
                String.format(Locale.ROOT, "%,.1f s", lag / 1000)));
        row(b, "(b) catch-up until both stream tables applied tick " + lastTick + " (the first that sees every commit)",
                String.format(Locale.ROOT, "%,.1f s", catchUpSeconds));
        double rate = sustainedRate();
        row(b, "**(b) sustained rate** = row changes / (write time + catch-up)", String.format(Locale.ROOT,
                "**%,.0f row changes/s = %,.0f tx/s**", rate, rate / Writers.ROW_CHANGES));
        row(b, "**ratio to PostgreSQL alone**", String.format(Locale.ROOT, "**%.3f**", rate / pgRows));
        for (Map.Entry<String, List<Double>> f : freshness.entrySet()) {
            List<Double> v = f.getValue();
            row(b, String.format(Locale.ROOT, "(c) commit → visible in %s at %d tx/s (%,d commits), p50 / p99 / max",
                    f.getKey(), cfg.freshRate(), v.size()), String.format(Locale.ROOT, "%,.0f / %,.0f / %,.0f ms",
                    Stats.median(v), Stats.percentile(v, 99), Stats.max(v)));
        }
        row(b, "(c) achieved rate", String.format(Locale.ROOT, "%,.1f tx/s", fresh.txPerSecond()));
        long retries = pgAlone.retries() + sustained.retries() + fresh.retries();
        b.append(String.format(Locale.ROOT, "%nTargets of issue 10: ≥ %,.0f row changes/s (%s) and ratio ≥ %.1f (%s). "
                + "Deadlock retries of the writers: %d.%n%n", TARGET_ROW_CHANGES, rate >= TARGET_ROW_CHANGES ? "met"
                : "not met", TARGET_RATIO, rate / pgRows >= TARGET_RATIO ? "met" : "not met", retries));
    }

    private void ticks(StringBuilder b) {
        b.append(String.format(Locale.ROOT, "Ticks (`tick.interval.ms=%d`; late = more than %.1f intervals after the one "
                + "before):%n%n| phase | ticks | interval p50 | p99 | max | late |%n|---|---:|---:|---:|---:|---:|%n",
                cfg.tickMs(), LATE));
        tickRow(b, "(b) writers flat out", ticksWriting);
        tickRow(b, "(b) catch-up", ticksCatchUp);
        tickRow(b, "(c) fixed rate", ticksFresh);
        b.append(String.format(Locale.ROOT, "%nLargest tick of (b): %,d change rows.%n%n", largestTick));
    }

    private void tickRow(StringBuilder b, String phase, List<Double> v) {
        long late = v.stream().filter(x -> x > LATE * cfg.tickMs()).count();
        b.append(String.format(Locale.ROOT, "| %s | %d | %,.0f ms | %,.0f ms | %,.0f ms | %d |%n", phase, v.size(),
                Stats.median(v), Stats.percentile(v, 99), Stats.max(v), late));
    }

    private void cpuTable(StringBuilder b) {
        b.append("CPU seconds per component (average cores busy over the phase's wall time; the whole machine includes "
                + "whatever else ran on it):\n\n| component |");
        List<String> phases = new ArrayList<>(cpu.keySet());
        phases.forEach(p -> b.append(' ').append(PHASES.get(p)).append(String.format(Locale.ROOT, ", %.1f s |", wall.get(p))));
        b.append("\n|---|").append("---:|".repeat(phases.size())).append('\n');
        List<String> rows = new ArrayList<>(ComponentCpu.COMPONENTS);
        rows.add(ComponentCpu.STACK);
        rows.add(ComponentCpu.MACHINE);
        for (String comp : rows) {
            b.append("| ").append(comp).append(" |");
            for (String p : phases) {
                double ms = cpu.get(p).getOrDefault(comp, -1.0);
                b.append(ms < 0 ? " – |" : String.format(Locale.ROOT, " %.1f s (%.2f) |", ms / 1000, ms / 1000 / wall.get(p)));
            }
            b.append('\n');
        }
        perRowChange(b);
    }

    /**
     * CPU per 1,000 row changes in (a) and (b), and what it implies: on a machine shared with other work the rates
     * measure the share of the cores the stack got, the CPU time per row change much less so.
     */
    private void perRowChange(StringBuilder b) {
        if (pgAlone == null || sustained == null || !cpu.containsKey("a") || !cpu.containsKey("b")) {
            return;
        }
        b.append("\nCPU milliseconds per 1,000 row changes written:\n\n| phase |");
        List<String> cols = new ArrayList<>(ComponentCpu.COMPONENTS);
        cols.add(ComponentCpu.STACK);
        cols.forEach(comp -> b.append(' ').append(comp).append(" |"));
        b.append("\n|---|").append("---:|".repeat(cols.size())).append('\n');
        double[] totals = new double[2];
        int k = 0;
        for (Map.Entry<String, Writers.Result> phase : Map.of("a", pgAlone, "b", sustained).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            double thousands = phase.getValue().transactions() * (double) Writers.ROW_CHANGES / 1000;
            b.append("| ").append(PHASES.get(phase.getKey())).append(" |");
            for (String comp : cols) {
                double ms = cpu.get(phase.getKey()).getOrDefault(comp, -1.0);
                b.append(ms < 0 ? " – |" : String.format(Locale.ROOT, " %.0f |", ms / thousands));
            }
            b.append('\n');
            Map<String, Double> c = cpu.get(phase.getKey());
            // PostgreSQL alone: its own and the writers' CPU, not that of the idle stack beside it
            totals[k++] = (phase.getKey().equals("a") ? c.get(ComponentCpu.POSTGRES) + c.get(ComponentCpu.BENCH)
                    : c.get(ComponentCpu.STACK)) / thousands;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (totals[0] > 0 && totals[1] > 0) {
            b.append(String.format(Locale.ROOT, "%nBy CPU time (what the load of other work changes least): a row change "
                    + "through the pipeline (every process) costs %.0f× what it costs PostgreSQL alone (PostgreSQL and the writers; a "
                    + "ratio of %.3f); with all %d cores "
                    + "to itself the stack would keep up with about %,.0f row changes/s (an estimate, not a measurement).%n",
                    totals[1] / totals[0], totals[0] / totals[1], cores, cores * 1_000_000 / totals[1]));
        }
    }

    private static void row(StringBuilder b, String measure, String value) {
        b.append("| ").append(measure).append(" | ").append(value).append(" |\n");
    }

    void write(Path out) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, markdown());
    }
}
