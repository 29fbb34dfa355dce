package dev.trickle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Collects what the benchmark measured and writes it as Markdown. */
final class Report {
    static final double TARGET = 50;

    private final Config cfg;
    final Map<String, String> machine = new LinkedHashMap<>();
    final Map<String, String> explains = new LinkedHashMap<>();
    final List<Double> dmlWithoutCapture = new ArrayList<>();
    final List<Double> dmlWithCapture = new ArrayList<>();
    final List<Workload.TickDml> dml = new ArrayList<>();
    List<Scenario> scenarios = List.of();
    Workload workload;
    double generateMs;
    long heapBaseline;
    EndToEnd.Result e2e;
    String failure;
    String e2eFailure;
    double totalSeconds;

    Report(Config cfg) {
        this.cfg = cfg;
        Runtime rt = Runtime.getRuntime();
        machine.put("CPU", cpuModel() + " (" + rt.availableProcessors() + " cores visible to the JVM)");
        machine.put("memory", memTotal());
        machine.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", max heap " + (rt.maxMemory() >> 20) + " MB");
        machine.put("load average at the start", loadAverage());
        machine.put("code", codeVersion());
    }

    /** The commit the run was built from, and whether the engine's or connectors' sources had local changes. */
    static String codeVersion() {
        String head = git("rev-parse", "--short", "HEAD");
        if (head == null) {
            return "unknown (not run from a git work tree)";
        }
        String changed = git("status", "--porcelain", "--", "../core", "../source-connector", "../sink-connector",
                "../streams-app", "core", "source-connector", "sink-connector", "streams-app");
        return "commit " + head + (changed == null || changed.isBlank() ? ""
                : " plus uncommitted changes in " + changed.lines().count() + " file(s) of core, connectors or streams app");
    }

    private static String git(String... args) {
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add("git");
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The 1, 5 and 15 minute load averages: other processes on the machine compete for its cores. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2] + " (1 / 5 / 15 min)";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    void pgFacts(Connection c) throws SQLException {
        machine.put("PostgreSQL", IncrementalBench.one(c, "SELECT version()") + (cfg.pgUrl() == null
                ? " (embedded, zonky)" : " (" + dev.trickle.core.pg.PgRedaction.redact(cfg.pgUrl()) + ")"));
        machine.put("PostgreSQL settings", IncrementalBench.one(c, "SELECT string_agg(name || '=' || current_setting(name), "
                + "', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', "
                + "'maintenance_work_mem', 'wal_level', 'max_wal_size', 'max_parallel_workers_per_gather', 'fsync', 'synchronous_commit', 'full_page_writes', 'jit', 'checkpoint_timeout', "
                + "'effective_cache_size')"));
    }

    boolean verified() {
        return failure == null && !scenarios.isEmpty() && scenarios.stream().allMatch(s -> s.verified)
                && (e2e == null || (e2e.filterEqual && e2e.aggEqual));
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Trickle benchmark results\n\n");
        b.append("Run ").append(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS)).append(String.format(Locale.ROOT,
                ", %.0f s in all. Written by `dev.trickle.bench.Main` (see docs/benchmarks.md for the method).%n%n",
                totalSeconds));
        if (failure != null) {
            b.append("**The benchmark failed:** ").append(failure).append("\n\n");
        }
        b.append(String.format(Locale.ROOT, "Sources: `orders` %,d rows, `customers` %,d, `products` %,d. "
                        + "Per tick, one transaction changes %,d orders (%s of them; %d updated, %d inserted, %d deleted), "
                        + "%,d customers and %,d products (updates). %d ticks measured after %d warm-up ticks.%n%n",
                cfg.rows(), cfg.customers(), cfg.products(), cfg.changes(), pct(cfg.changes(), cfg.rows()),
                cfg.changes() / 2, cfg.changes() / 4, cfg.changes() - cfg.changes() / 2 - cfg.changes() / 4,
                Workload.dimensionChanges(cfg.customers(), cfg.changes(), cfg.rows()), Workload.dimensionChanges(cfg.products(), cfg.changes(), cfg.rows()), cfg.ticks(),
                cfg.warmup()));

        b.append("## Time to bring the result up to date, per tick\n\n");
        b.append("Trickle = reading the tick's changes + record encoding/decoding + the engine + the sink's transaction. "
                + "Ratio = median REFRESH / median Trickle; worst tick = the smallest per-tick ratio. "
                + "Milliseconds, median / p90.\n\n");
        b.append("| query | result rows | REFRESH MATERIALIZED VIEW | Trickle, in-memory state | ratio | "
                + "Trickle, RocksDB state | ratio | worst tick (RocksDB) | ≥ 50× | stream table = view |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|\n");
        for (Scenario s : scenarios) {
            List<Scenario.TickResult> t = s.measured();
            if (t.isEmpty()) {
                continue;
            }
            double refresh = med(t, Scenario.TickResult::refresh);
            double mem = med(t, Scenario.TickResult::trickleMem);
            boolean rocks = !Double.isNaN(t.get(0).engineRocks());
            double rk = rocks ? med(t, Scenario.TickResult::trickleRocks) : Double.NaN;
            double worst = t.stream().mapToDouble(r -> r.refresh() / (rocks ? r.trickleRocks() : r.trickleMem()))
                    .min().orElse(Double.NaN);
            double ratio = refresh / mem;
            double ratioRocks = refresh / rk;
            boolean meets = ratio >= TARGET && (!rocks || ratioRocks >= TARGET);
            b.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | **%.0f×** | %s | **%s** | %s | %s | %s |%n",
                    s.title, s.streamTableRows, mp(t, Scenario.TickResult::refresh), mp(t, Scenario.TickResult::trickleMem),
                    ratio, rocks ? mp(t, Scenario.TickResult::trickleRocks) : "n/a",
                    rocks ? String.format(Locale.ROOT, "%.0f×", ratioRocks) : "n/a",
                    String.format(Locale.ROOT, "%.0f×", worst), meets ? "yes" : "**no**",
                    s.verified ? "yes" : "**NO**"));
        }

        b.append("\n## Where Trickle's time goes (median ms per tick)\n\n");
        b.append("| query | read changes (SQL) | encode/decode records (default converter) | engine, in-memory | engine, RocksDB "
                + "(of which tick buffer) | sink transaction |\n|---|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            List<Scenario.TickResult> t = s.measured();
            if (t.isEmpty()) {
                continue;
            }
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f (%.1f) | %.1f |%n", s.title,
                    med(t, Scenario.TickResult::read), med(t, Scenario.TickResult::serde),
                    med(t, Scenario.TickResult::engineMem), med(t, Scenario.TickResult::engineRocks),
                    med(t, Scenario.TickResult::tickBuffer), med(t, Scenario.TickResult::sink)));
        }

        b.append("\n## CPU time of the benchmark's thread per tick (median / min ms)\n\n");
        b.append("The same steps in CPU time (ThreadMXBean; RocksDB's JNI calls run on this thread): what the work costs, "
                + "without the waiting that wall time includes on a loaded machine.\n\n");
        b.append("The sink's transaction: its Java thread (ThreadMXBean) and its connection's PostgreSQL backend "
                + "(/proc/PID/schedstat).\n\n");
        b.append("| query | encode/decode records | engine, in-memory | engine, RocksDB (of which tick buffer) | "
                + "RocksDB ÷ in-memory | without the tick buffer | sink: Java / PostgreSQL backend |\n"
                + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            List<Scenario.CpuResult> c = s.measuredCpu();
            if (c.isEmpty()) {
                continue;
            }
            double mem = medCpu(c, Scenario.CpuResult::engineMem);
            double rocksCpu = medCpu(c, Scenario.CpuResult::engineRocks);
            // the tick buffer is the runtime's gather store, not operator state: the operators' own ratio leaves it out
            double operators = medCpu(c, r -> r.engineRocks() - r.tickBuffer());
            b.append(String.format(Locale.ROOT,
                    "| %s | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f (%.1f) | %.1f | %.1f | %.1f / %.1f |%n",
                    s.title, medCpu(c, Scenario.CpuResult::serde), minCpu(c, Scenario.CpuResult::serde), mem,
                    minCpu(c, Scenario.CpuResult::engineMem), rocksCpu, minCpu(c, Scenario.CpuResult::engineRocks),
                    medCpu(c, Scenario.CpuResult::tickBuffer), rocksCpu / mem, operators / mem,
                    medCpu(c, Scenario.CpuResult::sinkJava), medCpu(c, Scenario.CpuResult::sinkBackend)));
        }

        storeCalls(b);

        b.append("\n## Incremental work per tick (medians)\n\n");
        b.append("REFRESH reads every source row and rewrites every result row; Trickle's work follows the changes "
                + "and their join fan-out.\n\n");
        b.append("| query | source rows (REFRESH reads) | change rows read | output delta rows (Σ\\|w\\|) | "
                + "state point reads (of them from RocksDB) | prefix scans (entries returned) | state writes | "
                + "sink deletes / inserts |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            List<Scenario.TickResult> t = s.measured();
            if (t.isEmpty()) {
                continue;
            }
            // the RocksDB engine's reads that its backend did not answer from memory (it remembers reads across ticks)
            String fromRocks = s.rocksGetsPerTick.isEmpty() ? "–"
                    : String.format(Locale.ROOT, "%,.0f", Stats.median(s.rocksGetsPerTick));
            b.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %,.0f (%,.0f) | %,.0f (%s) | %,.0f (%,.0f) | %,.0f | %,.0f / %,.0f |%n",
                    s.title, s.sourcesRows, med(t, r -> r.inputRows()), med(t, r -> r.outputRows()),
                    med(t, r -> r.outputWeight()), med(t, r -> r.gets()), fromRocks, med(t, r -> r.scans()), med(t, r -> r.scanned()),
                    med(t, r -> r.writes()), med(t, r -> r.deleted()), med(t, r -> r.inserted())));
        }

        b.append("\n## State per stream table against its sources\n\n");
        b.append("State = the operators' entries (both backends hold the same entries); bytes = UTF-8 key + value "
                + "bytes; RocksDB = its files after a flush; heap = growth of the used heap after GC when the in-memory "
                + "backend was filled (rough). Sources = `pg_total_relation_size` of the tables the query reads "
                + "(heap, indexes, TOAST).\n\n");
        b.append("| query | state entries | state bytes | RocksDB on disk | heap (in-memory) | sources | state / sources | "
                + "stream table | materialized view |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            b.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %s | %s | %s |%n", s.title, s.memEntries,
                    mb(s.stateBytes), mb(s.rocksDiskBytes), mb(s.heapBytes), mb(s.sourcesBytes),
                    s.stateBytes < 0 || s.sourcesBytes <= 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", (double) s.stateBytes / s.sourcesBytes),
                    mb(s.streamTableBytes), mb(s.mvBytes)));
        }

        b.append("\n## Initial fill (for information; not part of the target)\n\n");
        b.append(String.format(Locale.ROOT, "Generating the sources with `generate_series` took %.1f s.%n%n", generateMs / 1000));
        b.append("| query | CREATE MATERIALIZED VIEW | read source rows | engine, in-memory | engine, RocksDB | sink (one transaction) |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            b.append(String.format(Locale.ROOT, "| %s | %.1f s | %,d rows, %.1f s | %.1f s | %s | %,d rows, %.1f s |%n", s.title,
                    s.createMvMs / 1000, s.fillInputRows, s.fillReadMs / 1000, s.fillMemMs / 1000,
                    cfg.rocks() ? String.format(Locale.ROOT, "%.1f s", s.fillRocksMs / 1000) : "n/a",
                    s.fillOutputRows, s.fillSinkMs / 1000));
        }

        b.append("\n## Cost of change capture on the writer\n\n");
        b.append(String.format(Locale.ROOT, "The tick's DML transaction (%,d order rows, %,d customers, %,d products): "
                        + "median %.0f ms without capture triggers (%d runs before the stream tables existed), "
                        + "%.0f ms with them (measured ticks).%n",
                cfg.changes(), Workload.dimensionChanges(cfg.customers(), cfg.changes(), cfg.rows()), Workload.dimensionChanges(cfg.products(), cfg.changes(), cfg.rows()),
                Stats.median(dmlWithoutCapture), dmlWithoutCapture.size(), Stats.median(dmlWithCapture)));

        b.append("\n## End to end on the local stack (Kafka included)\n\n");
        if (e2e != null) {
            b.append(String.format(Locale.ROOT, "`LocalStack` (embedded PostgreSQL, one KRaft broker, Connect with both "
                            + "connectors, the streams app; started in %.0f s). Sources: %,d orders, %,d customers; "
                            + "tick.interval.ms=%d. %d single-row UPDATEs, each committed at a random point of the tick "
                            + "interval, then the stream tables polled every 2 ms.%n%n",
                    e2e.startSeconds, e2e.rows, Math.max(1, e2e.rows / 10), e2e.tickIntervalMs, e2e.filterVisible.size()));
            b.append("| stream table | commit → visible, median | p90 | max | tick row → sink commit, median | p90 | "
                    + "= its query |\n|---|---:|---:|---:|---:|---:|:-:|\n");
            b.append(String.format(Locale.ROOT, "| filter | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %s |%n",
                    Stats.median(e2e.filterVisible), Stats.percentile(e2e.filterVisible, 90), Stats.max(e2e.filterVisible),
                    Stats.median(e2e.filterTickToApplied), Stats.percentile(e2e.filterTickToApplied, 90),
                    e2e.filterEqual ? "yes" : "**NO**"));
            b.append(String.format(Locale.ROOT, "| aggregate over a join | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %s |%n",
                    Stats.median(e2e.aggVisible), Stats.percentile(e2e.aggVisible, 90), Stats.max(e2e.aggVisible),
                    Stats.median(e2e.aggTickToApplied), Stats.percentile(e2e.aggTickToApplied, 90),
                    e2e.aggEqual ? "yes" : "**NO**"));
            b.append(String.format(Locale.ROOT, "%nObserved tick interval: median %.0f ms, p90 %.0f ms (%d ticks).%n",
                    Stats.median(e2e.tickIntervals), Stats.percentile(e2e.tickIntervals, 90), e2e.tickIntervals.size()));
        } else if (e2eFailure != null) {
            b.append("Not measured: ").append(e2eFailure).append('\n');
        } else {
            b.append("Not run (`-Dbench.e2e=false`).\n");
        }

        b.append("\n## Every tick\n\n");
        b.append("| query | tick | REFRESH ms | read | serde | engine mem | engine RocksDB | sink | Trickle mem | Trickle RocksDB | "
                + "change rows | delta rows |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            for (Scenario.TickResult r : s.ticks) {
                b.append(String.format(Locale.ROOT, "| %s | %d%s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %,d | %,d |%n",
                        s.name, r.tick(), r.warmup() ? " (warm-up)" : "", r.refresh(), r.read(), r.serde(), r.engineMem(),
                        r.engineRocks(), r.sink(), r.trickleMem(), r.trickleRocks(), r.inputRows(), r.outputRows()));
            }
        }

        b.append("\n## Machine\n\n| | |\n|---|---|\n");
        machine.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));

        b.append("\n## Plans\n\n");
        explains.forEach((name, explain) -> b.append("`").append(name).append("`:\n\n```\n").append(explain.strip())
                .append("\n```\n\n"));
        return b.toString();
    }

    /** Where the RocksDB engine's time goes: its store calls per tick, by kind (medians over the measured ticks). */
    private void storeCalls(StringBuilder b) {
        if (scenarios.stream().allMatch(s -> s.storeCalls.isEmpty())) {
            return; // -Dbench.rocks.timers=true not given
        }
        b.append("\n## The RocksDB engine's store calls per tick (medians; CPU time)\n\n");
        b.append("Each call timed around the runtime's state backend (`TimedState`, `-Dbench.rocks.timers=true`; the "
                + "timer's own cost, about 1 µs a call, is in the CPU figures of this run): writes are held in memory "
                + "until the tick ends, then written in one batch (flush).\n\n");
        b.append("| query | point reads (µs each) | prefix scans (µs each) | writes (µs each) | flush ms | "
                + "store calls ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            List<TimedState.Calls> c = s.storeCalls;
            if (c.isEmpty() || c.stream().allMatch(x -> x.gets() + x.scans() + x.writes() == 0)) {
                continue;
            }
            b.append(String.format(Locale.ROOT, "| %s | %.0f (%.1f) | %.0f (%.1f) | %.0f (%.2f) | %.1f | %.1f |%n",
                    s.title, callMed(c, TimedState.Calls::gets), callMed(c, x -> perCall(x.getNanos(), x.gets())),
                    callMed(c, TimedState.Calls::scans), callMed(c, x -> perCall(x.scanNanos(), x.scans())),
                    callMed(c, TimedState.Calls::writes), callMed(c, x -> perCall(x.writeNanos(), x.writes())),
                    callMed(c, x -> x.flushNanos() / 1e6),
                    callMed(c, x -> (x.getNanos() + x.scanNanos() + x.writeNanos() + x.flushNanos()) / 1e6)));
        }
    }

    private static double perCall(long nanos, long calls) {
        return calls == 0 ? 0 : nanos / 1e3 / calls;
    }

    private static double callMed(List<TimedState.Calls> c, ToDoubleFunction<TimedState.Calls> f) {
        return Stats.median(c.stream().map(x -> f.applyAsDouble(x)).toList());
    }

    void write(Path out) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, markdown());
    }

    private static double med(List<Scenario.TickResult> t, ToDoubleFunction<Scenario.TickResult> f) {
        return Stats.median(t.stream().map(r -> f.applyAsDouble(r)).toList());
    }

    private static String mp(List<Scenario.TickResult> t, ToDoubleFunction<Scenario.TickResult> f) {
        List<Double> v = t.stream().map(r -> f.applyAsDouble(r)).toList();
        return String.format(Locale.ROOT, "%s / %s", ms(Stats.median(v)), ms(Stats.percentile(v, 90)));
    }

    private static String ms(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String mb(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        return bytes < 10L << 20 ? String.format(Locale.ROOT, "%.0f kB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%,.0f MB", bytes / 1048576.0);
    }

    private static String pct(int part, int whole) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * part / whole);
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1048576.0);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "unknown";
    }

    private static double medCpu(List<Scenario.CpuResult> c, java.util.function.ToDoubleFunction<Scenario.CpuResult> f) {
        double[] v = c.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double minCpu(List<Scenario.CpuResult> c, java.util.function.ToDoubleFunction<Scenario.CpuResult> f) {
        return c.stream().mapToDouble(f).min().orElse(Double.NaN);
    }
}
