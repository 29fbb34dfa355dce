package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import dev.trickle.cli.LocalStackBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Issue 10's throughput benchmark on the local stack (embedded PostgreSQL, a KRaft broker, Connect with both
 * connectors, the streams app, as {@code ./trickle local} runs them): the transaction (insert 10 orders,
 * update 10) against a join + aggregate and a filter stream table over a 200,000-row {@code orders} table. In one
 * run: (a) PostgreSQL's own rate on an uncaptured copy of the tables, (b) the sustained rate the pipeline keeps up
 * with (writers flat out for a fixed time, then the catch-up until both stream tables reach the last tick), (c)
 * commit → visible at a fixed moderate rate, (d) CPU per component and the ticker's lag under load. With
 * {@code -Dbench.throughput.cdc=wal} the captured tables are captured from the WAL; with {@code both}, (b) and (c)
 * run on a trigger-captured copy and then on a WAL-captured one, and the report compares them. Writes
 * Markdown to {@code -Dbench.out} (default {@code target/bench-throughput-results.md}) and standard output. Exits
 * 0 when every stream table equals its query at the end, 1 otherwise (then no rate is claimed).
 */
public final class ThroughputMain {
    private static final int WARMUP_SECONDS = 3;
    private static final String STREAMS_PREFIX = "bench.throughput.streams.";
    private static final String WORKER_PREFIX = "bench.throughput.worker.";
    private static final String BROKER_PREFIX = "bench.throughput.broker.";

    private ThroughputMain() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        ThroughputConfig cfg = ThroughputConfig.fromSystemProperties();
        List<ThroughputReport> reports = cfg.pipelines().stream().map(p -> new ThroughputReport(cfg, p)).toList();
        Path dir = cfg.workDir().toAbsolutePath().resolve("throughput-" + System.currentTimeMillis());
        Log.step("throughput: starting the local stack in %s", dir);
        try (LocalStack stack = withOverrides(LocalStack.builder()
                .workDir(dir)
                .sourceConfig("tick.interval.ms", String.valueOf(cfg.tickMs()))
                .timeout(Duration.ofSeconds(180))
                .progress(System.err))
                .start();
             Connection c = stack.connect()) {
            run(cfg, reports, stack, c, t0);
        } catch (Exception | Error e) {
            e.printStackTrace();
            reports.forEach(r -> r.failure = e.toString());
        }
        StringBuilder md = new StringBuilder(ThroughputCdcReport.comparison(reports));
        for (ThroughputReport report : reports) {
            report.totalSeconds = (System.nanoTime() - t0) / 1e9;
            report.machine.put("load average at the end", Report.loadAverage());
            md.append(report.markdown()).append('\n');
        }
        if (cfg.out().getParent() != null) {
            Files.createDirectories(cfg.out().getParent());
        }
        Files.writeString(cfg.out(), md);
        System.out.println(md);
        Log.step("results written to %s", cfg.out().toAbsolutePath());
        System.exit(reports.stream().allMatch(ThroughputReport::verified) ? 0 : 1);
    }

    /**
     * Settings of the stack's components from system properties, to compare one setting's cost in the same build:
     * {@code -Dbench.throughput.streams.KEY=V} (the streams app's properties), {@code -Dbench.throughput.worker.KEY=V}
     * (the Connect worker's), {@code -Dbench.throughput.broker.KEY=V} (the broker's).
     */
    private static LocalStackBuilder withOverrides(LocalStackBuilder builder) {
        for (String name : System.getProperties().stringPropertyNames()) {
            String value = System.getProperty(name);
            if (name.startsWith(STREAMS_PREFIX)) {
                builder.streamsConfig(name.substring(STREAMS_PREFIX.length()), value);
            } else if (name.startsWith(WORKER_PREFIX)) {
                builder.workerConfig(name.substring(WORKER_PREFIX.length()), value);
            } else if (name.startsWith(BROKER_PREFIX)) {
                builder.brokerConfig(name.substring(BROKER_PREFIX.length()), value);
            }
        }
        return builder;
    }

    /** The -Dbench.throughput.streams./worker./broker. settings of this run, for the report; "none" without any. */
    private static String overridden() {
        String all = System.getProperties().stringPropertyNames().stream()
                .filter(n -> n.startsWith(STREAMS_PREFIX) || n.startsWith(WORKER_PREFIX) || n.startsWith(BROKER_PREFIX))
                .sorted().map(n -> n.substring("bench.throughput.".length()) + "=" + System.getProperty(n))
                .collect(Collectors.joining(", "));
        return all.isEmpty() ? "none" : all;
    }

    private static void run(ThroughputConfig cfg, List<ThroughputReport> reports, LocalStack stack, Connection c, long t0)
            throws Exception {
        ThroughputBench bench = new ThroughputBench(cfg, stack);
        Log.step("creating orders (%,d rows), customers (%,d), their uncaptured copies, %s-captured copies and the "
                + "stream tables", cfg.orders(), cfg.customers(), cfg.pipelines().stream().map(ThroughputPipeline::cdc)
                .collect(Collectors.joining(" and ")));
        bench.setUp(c);
        String pg = IncrementalBench.one(c, "SELECT version()") + " (embedded, the local stack's "
                + "settings: " + IncrementalBench.one(c, "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
                + "FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level')") + ")";
        for (ThroughputReport report : reports) {
            report.machine.put("PostgreSQL", pg);
            report.machine.put("settings overridden for this run", overridden());
            report.setupSeconds = (System.nanoTime() - t0) / 1e9;
        }
        ComponentCpu cpu = new ComponentCpu(stack);
        try (Writers writers = new Writers(stack::connect, cfg.threads(), cfg.customers(), cfg.orders())) {
            Meter meter = new Meter(cpu, new BackendCpu(stack.connectWorker().process().pid(), writers.backendPids()), c);
            alone(cfg, reports, meter, writers);
            for (ThroughputReport report : reports) {
                phases(cfg, report, bench, meter, writers, c);
            }
        }
        bench.awaitIdle(c);
        for (ThroughputReport report : reports) {
            report.difference = ThroughputBench.firstDifference(c, report.pipeline);
            report.checked = true;
            Log.step("%s capture: both stream tables equal their queries: %s", report.pipeline.cdc(),
                    report.difference == null ? "yes" : "NO: " + report.difference);
        }
    }

    /** CPU per component and per PostgreSQL backend, from a phase's start to its end. */
    private record Meter(ComponentCpu cpu, BackendCpu backends, Connection c) {
        Start start() throws SQLException {
            return new Start(cpu.snapshot(), backends.snapshot(c));
        }

        void stop(Start s, String phase, List<ThroughputReport> reports) throws SQLException {
            Map<String, Double> components = ComponentCpu.minus(cpu.snapshot(), s.components());
            Map<String, Double> detail = BackendCpu.minus(backends.snapshot(c), s.backends());
            for (ThroughputReport r : reports) {
                r.cpu.put(phase, components);
                r.detail.put(phase, detail);
            }
        }
    }

    private record Start(Map<String, Double> components, Map<Long, BackendCpu.Sample> backends) {
    }

    /** The warm-up and (a), once for every pipeline of the run. */
    private static void alone(ThroughputConfig cfg, List<ThroughputReport> reports, Meter meter, Writers writers)
            throws Exception {
        Log.step("warm-up: %d s of writers on the uncaptured tables", WARMUP_SECONDS);
        writers.run("plain_orders", WARMUP_SECONDS, 0);

        Log.step("(a) PostgreSQL alone: %d writer thread(s) flat out on the uncaptured copy for %d s", cfg.threads(),
                cfg.pgSeconds());
        String load = Report.loadAverage();
        Start s = meter.start();
        Writers.Result alone = writers.run("plain_orders", cfg.pgSeconds(), 0);
        meter.stop(s, "a", reports);
        for (ThroughputReport report : reports) {
            report.loads.put("a", load);
            report.pgAlone = alone;
            report.wall.put("a", alone.seconds());
        }
        Log.step("(a) %,.0f tx/s (%,.0f row changes/s)", alone.txPerSecond(), alone.rowChangesPerSecond());
    }

    /**
     * Writers flat out on the pipeline's captured tables and the catch-up, not measured into (b): the stack's JVMs
     * are minutes old here, and while their JIT compilers still work the stack's CPU per row change is higher than
     * what it keeps up with for hours (docs/benchmarks.md, Throughput, session 13). Its rate is reported as the cold one.
     */
    private static void warmUp(ThroughputConfig cfg, ThroughputReport report, ThroughputBench bench, Writers writers,
                               Connection c) throws Exception {
        if (cfg.pipelineWarmupSeconds() == 0) {
            return;
        }
        ThroughputPipeline p = report.pipeline;
        Log.step("(b0) warm-up of the pipeline (%s capture): %d writer thread(s) flat out on %s for %d s, then the "
                + "catch-up; not measured into (b)", p.cdc(), cfg.threads(), p.orders(), cfg.pipelineWarmupSeconds());
        report.warmup = writers.run(p.orders(), cfg.pipelineWarmupSeconds(), 0);
        long stopped = System.nanoTime();
        long applied = bench.awaitApplied(c, p, bench.tickSeeing(c, report.warmup.lastXidsArray()));
        report.warmupCatchUpSeconds = (applied - stopped) / 1e9;
        Log.step("(b0) warm-up: wrote %,.0f tx/s for %.1f s, caught up %.1f s later: %,.0f row changes/s (cold)",
                report.warmup.txPerSecond(), report.warmup.seconds(), report.warmupCatchUpSeconds, report.warmupRate());
        bench.awaitIdle(c);
    }

    /** (b) and (c) on one pipeline's captured tables. */
    private static void phases(ThroughputConfig cfg, ThroughputReport report, ThroughputBench bench, Meter meter,
                               Writers writers, Connection c) throws Exception {
        ThroughputPipeline p = report.pipeline;
        List<ThroughputReport> only = List.of(report);
        bench.awaitIdle(c);
        warmUp(cfg, report, bench, writers, c);
        Log.step("(b) %s capture: %d writer thread(s) flat out on %s for %d s, then the catch-up", p.cdc(),
                cfg.threads(), p.orders(), cfg.writeSeconds());
        report.loads.put("b", Report.loadAverage());
        Start s = meter.start();
        long wallStart = System.currentTimeMillis();
        report.sustained = writers.run(p.orders(), cfg.writeSeconds(), 0);
        long stopped = System.nanoTime();
        long stoppedMillis = System.currentTimeMillis();
        report.lagAtStop = bench.lagNow(c, p);
        report.lastTick = bench.tickSeeing(c, report.sustained.lastXidsArray());
        long applied = bench.awaitApplied(c, p, report.lastTick);
        report.catchUpSeconds = (applied - stopped) / 1e9;
        meter.stop(s, "b", only);
        report.wall.put("b", report.sustained.seconds() + report.catchUpSeconds);
        report.ticksWriting = ThroughputBench.tickIntervals(c, wallStart, stoppedMillis);
        report.ticksCatchUp = ThroughputBench.tickIntervals(c, stoppedMillis, System.currentTimeMillis());
        report.largestTick = ThroughputBench.largestTick(c, wallStart, System.currentTimeMillis());
        Log.step("(b) %s capture: wrote %,.0f tx/s for %.1f s, caught up %.1f s later: %,.0f row changes/s sustained",
                p.cdc(), report.sustained.txPerSecond(), report.sustained.seconds(), report.catchUpSeconds, report.sustainedRate());

        bench.awaitIdle(c);
        Log.step("(c) freshness: %d transactions/s for %d s", cfg.freshRate(), cfg.freshSeconds());
        report.loads.put("c", Report.loadAverage());
        s = meter.start();
        long freshStart = System.currentTimeMillis();
        report.fresh = writers.run(p.orders(), cfg.freshSeconds(), cfg.freshRate());
        long freshStop = System.currentTimeMillis();
        bench.awaitApplied(c, p, bench.tickSeeing(c, report.fresh.lastXidsArray()));
        meter.stop(s, "c", only);
        report.wall.put("c", (System.currentTimeMillis() - freshStart) / 1000.0);
        report.ticksFresh = ThroughputBench.tickIntervals(c, freshStart, freshStop);
        report.freshness = bench.freshness(c, p, report.fresh.commits());
        report.freshness.forEach((st, v) -> Log.step("(c) %s: commit → visible p50 %.0f ms, p99 %.0f ms (%d commits)", st,
                Stats.median(v), Stats.percentile(v, 99), v.size()));
    }
}
