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
import java.util.function.ToDoubleFunction;

/** The parallel refresh benchmark's results as Markdown: medians per mode and scenario, the ratios, every sample. */
final class ParallelReport {
    static final double TARGET_SPEEDUP = 1.8;
    static final double MAX_OVERHEAD = 0.10;

    private final ParallelConfig cfg;
    final Map<String, String> machine = new LinkedHashMap<>();
    final List<ParallelBench.Sample> samples = new ArrayList<>();
    String failure;
    String how = "";
    String difference;
    boolean verified;
    double setupSeconds;
    double totalSeconds;

    ParallelReport(ParallelConfig cfg) {
        this.cfg = cfg;
        Runtime rt = Runtime.getRuntime();
        machine.put("CPU", Report.cpuModel() + " (" + rt.availableProcessors() + " cores visible to the JVM)");
        machine.put("memory", Report.memTotal());
        machine.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("load average at the start", Report.loadAverage());
        machine.put("code", Report.codeVersion());
    }

    List<ParallelBench.Sample> of(String scenario, String mode) {
        return samples.stream().filter(s -> s.scenario().equals(scenario) && s.mode().equals(mode)).toList();
    }

    double median(String scenario, String mode, ToDoubleFunction<ParallelBench.Sample> f) {
        return Stats.median(of(scenario, mode).stream().map(f::applyAsDouble).toList());
    }

    /** Median off / median on of the time until every stream table applied the tick. */
    double speedup(String scenario) {
        return median(scenario, "off", ParallelBench.Sample::total) / median(scenario, "on", ParallelBench.Sample::total);
    }

    String markdown() {
        StringBuilder b = new StringBuilder("# Trickle parallel refresh benchmark\n\n");
        b.append(String.format(Locale.ROOT, "Run %s, %.0f s in all (%.0f s to start the stack and fill the stream tables). "
                + "Written by `dev.trickle.bench.ParallelMain` (docs/benchmarks.md, *Parallel refresh*).%n%n",
                OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS), totalSeconds, setupSeconds));
        if (failure != null) {
            b.append("**The benchmark failed:** ").append(failure).append("\n\n");
        }
        String shape = cfg.shape().equals(ParallelConfig.JOIN)
                ? String.format(Locale.ROOT, "`SELECT s.g, count(*), sum(s.v * d.w), sum(s.amount), max(d.k) FROM src_NN s "
                        + "JOIN dim_NN d ON d.g = s.g GROUP BY s.g` (%,d dimension rows per group)", cfg.fanout())
                : "`SELECT g, count(*), sum(v), sum(amount), avg(amount) FROM src_NN GROUP BY g`";
        b.append(String.format(Locale.ROOT, "%d stream tables %s, each over its own source of %,d rows in %,d groups. "
                + "One transaction updates %d%% "
                + "of the rows of every source (bulk) or of the first source only (single). `off`: 1 worker; `on`: %d "
                + "workers, set through %s. %d repetitions each, alternating.%n%n",
                cfg.tables(), shape, cfg.rows(), cfg.groups(), 100 / cfg.modulus(), cfg.workers(), how, cfg.reps()));
        b.append("| scenario | mode | tick → all applied, median | commit → all applied | source connector | streams app | "
                + "sink | sink busy (sum) | CPU streams app | CPU Connect | cores busy | samples |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String scenario : List.of("bulk", "single")) {
            for (String mode : List.of("off", "on")) {
                if (of(scenario, mode).isEmpty()) {
                    continue;
                }
                b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f ms | %,.0f ms | %,.0f ms | %,.0f ms | %,.0f ms | %,.0f ms "
                        + "| %,.0f ms | %,.0f ms | %.2f | %d |%n",
                        scenario, mode, median(scenario, mode, ParallelBench.Sample::total),
                        median(scenario, mode, ParallelBench.Sample::commitToApplied),
                        median(scenario, mode, ParallelBench.Sample::source),
                        median(scenario, mode, ParallelBench.Sample::engine),
                        median(scenario, mode, ParallelBench.Sample::sink),
                        median(scenario, mode, ParallelBench.Sample::sinkBusy),
                        median(scenario, mode, ParallelBench.Sample::streamsCpu),
                        median(scenario, mode, ParallelBench.Sample::connectCpu),
                        median(scenario, mode, ParallelBench.Sample::coresBusy), of(scenario, mode).size()));
            }
        }
        b.append('\n');
        verdicts(b);
        b.append("\nMachine: ");
        machine.forEach((k, v) -> b.append(k).append(": ").append(v).append("; "));
        b.append("\n\n| scenario | mode | rep | tick | tick → applied | commit → applied | source | engine | sink | sink busy | "
                + "delta rows | CPU streams | CPU Connect | CPU machine | cores busy | load (1/5/15 min) |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (ParallelBench.Sample s : samples) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,d "
                    + "| %,.0f | %,.0f | %,.0f | %.2f | %s |%n", s.scenario(), s.mode(), s.rep(), s.tick(), s.total(),
                    s.commitToApplied(), s.source(), s.engine(), s.sink(), s.sinkBusy(), s.deltaRows(), s.streamsCpu(),
                    s.connectCpu(), s.machineCpu(), s.coresBusy(), s.load()));
        }
        return b.toString();
    }

    private void verdicts(StringBuilder b) {
        if (!of("bulk", "off").isEmpty() && !of("bulk", "on").isEmpty()) {
            double x = speedup("bulk");
            double engineAndSink = (median("bulk", "off", s -> s.engine() + s.sink()))
                    / median("bulk", "on", s -> s.engine() + s.sink());
            b.append(String.format(Locale.ROOT, "- **%d stream tables, one bulk change: `on` is %.2f× as fast as `off`** "
                    + "(target ≥ %.1f×: %s); after the source connector's share (streams app and sink only): %.2f×.%n",
                    cfg.tables(), x, TARGET_SPEEDUP, x >= TARGET_SPEEDUP ? "met" : "**not met**", engineAndSink));
            double cores = median("bulk", "off", ParallelBench.Sample::coresBusy);
            int nproc = Runtime.getRuntime().availableProcessors();
            b.append(String.format(Locale.ROOT, "- With `off`, the bulk tick already kept %.2f of the machine's %d cores busy "
                    + "(every process: PostgreSQL, the broker, Connect, the streams app; %,.0f ms of CPU), so `on` could "
                    + "be at most about %.2f× as fast on this machine unless it needed less CPU time (it needed %,.0f ms).%n",
                    cores, nproc, median("bulk", "off", ParallelBench.Sample::machineCpu),
                    cores > 0 ? nproc / cores : Double.NaN, median("bulk", "on", ParallelBench.Sample::machineCpu)));
        }
        if (!of("single", "off").isEmpty() && !of("single", "on").isEmpty()) {
            double overhead = 1 / speedup("single") - 1;
            b.append(String.format(Locale.ROOT, "- **One stream table: `on` takes %+.0f%% of `off`'s time** (target: "
                    + "within %.0f%%: %s).%n", overhead * 100, MAX_OVERHEAD * 100,
                    overhead <= MAX_OVERHEAD ? "met" : "**not met**"));
        }
        b.append("- Every stream table equals its query at the end: ").append(verified ? "yes" : "**no**"
                + (difference == null ? "" : " (" + difference + ")")).append('\n');
    }

    void write(Path out) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, markdown());
    }
}
