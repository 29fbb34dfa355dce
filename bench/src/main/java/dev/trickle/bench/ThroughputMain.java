package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import dev.trickle.cli.LocalStackBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Issue 10's throughput benchmark on the local stack (embedded PostgreSQL, a KRaft broker, Connect with both
 * connectors, the streams app, as {@code ./trickle local} runs them): the transaction (insert 10 orders,
 * update 10) against a join + aggregate and a filter stream table over a 200,000-row {@code orders} table. In one
 * run: (a) PostgreSQL's own rate on an uncaptured copy of the tables, (b) the sustained rate the pipeline keeps up
 * with (writers flat out for a fixed time, then the catch-up until both stream tables reach the last tick), (c)
 * commit → visible at a fixed moderate rate, (d) CPU per component and the ticker's lag under load. Writes
 * Markdown to {@code -Dbench.out} (default {@code target/bench-throughput-results.md}) and standard output. Exits
 * 0 when both stream tables equal their queries at the end, 1 otherwise (then no rate is claimed).
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
        ThroughputReport report = new ThroughputReport(cfg);
        Path dir = cfg.workDir().toAbsolutePath().resolve("throughput-" + System.currentTimeMillis());
        Log.step("throughput: starting the local stack in %s", dir);
        try (LocalStack stack = withOverrides(LocalStack.builder()
                .workDir(dir)
                .sourceConfig("tick.interval.ms", String.valueOf(cfg.tickMs()))
                .timeout(Duration.ofSeconds(180))
                .progress(System.err))
                .start();
             Connection c = stack.connect()) {
            run(cfg, report, stack, c, t0);
        } catch (Exception | Error e) {
            e.printStackTrace();
            report.failure = e.toString();
        }
        report.totalSeconds = (System.nanoTime() - t0) / 1e9;
        report.machine.put("load average at the end", Report.loadAverage());
        report.write(cfg.out());
        System.out.println(report.markdown());
        Log.step("results written to %s", cfg.out().toAbsolutePath());
        System.exit(report.verified() ? 0 : 1);
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

    private static void run(ThroughputConfig cfg, ThroughputReport report, LocalStack stack, Connection c, long t0)
            throws Exception {
        ThroughputBench bench = new ThroughputBench(cfg, stack);
        Log.step("creating orders (%,d rows), customers (%,d), their uncaptured copies and the stream tables",
                cfg.orders(), cfg.customers());
        bench.setUp(c);
        report.machine.put("PostgreSQL", IncrementalBench.one(c, "SELECT version()") + " (embedded, the local stack's "
                + "settings: " + IncrementalBench.one(c, "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) "
                + "FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_level')") + ")");
        report.machine.put("settings overridden for this run", overridden());
        report.setupSeconds = (System.nanoTime() - t0) / 1e9;
        ComponentCpu cpu = new ComponentCpu(stack);
        try (Writers writers = new Writers(stack::connect, cfg.threads(), cfg.customers(), cfg.orders())) {
            phases(cfg, report, bench, cpu, writers, c);
        }
        bench.awaitIdle(c);
        report.difference = ThroughputBench.firstDifference(c);
        report.checked = true;
        Log.step("both stream tables equal their queries: %s", report.difference == null ? "yes" : "NO: " + report.difference);
    }

    private static void phases(ThroughputConfig cfg, ThroughputReport report, ThroughputBench bench, ComponentCpu cpu,
                               Writers writers, Connection c) throws Exception {

        Log.step("warm-up: %d s of writers on the uncaptured tables", WARMUP_SECONDS);
        writers.run("plain_orders", WARMUP_SECONDS, 0);

        Log.step("(a) PostgreSQL alone: %d writer thread(s) flat out on the uncaptured copy for %d s", cfg.threads(),
                cfg.pgSeconds());
        report.loads.put("a", Report.loadAverage());
        Map<String, Double> cpu0 = cpu.snapshot();
        report.pgAlone = writers.run("plain_orders", cfg.pgSeconds(), 0);
        report.cpu.put("a", ComponentCpu.minus(cpu.snapshot(), cpu0));
        report.wall.put("a", report.pgAlone.seconds());
        Log.step("(a) %,.0f tx/s (%,.0f row changes/s)", report.pgAlone.txPerSecond(), report.pgAlone.rowChangesPerSecond());

        bench.awaitIdle(c);
        Log.step("(b) pipeline: %d writer thread(s) flat out on the captured tables for %d s, then the catch-up",
                cfg.threads(), cfg.writeSeconds());
        report.loads.put("b", Report.loadAverage());
        cpu0 = cpu.snapshot();
        long wallStart = System.currentTimeMillis();
        report.sustained = writers.run("orders", cfg.writeSeconds(), 0);
        long stopped = System.nanoTime();
        long stoppedMillis = System.currentTimeMillis();
        report.lagAtStop = bench.lagNow(c);
        report.lastTick = bench.tickSeeing(c, report.sustained.lastXidsArray());
        long applied = bench.awaitApplied(c, report.lastTick);
        report.catchUpSeconds = (applied - stopped) / 1e9;
        report.cpu.put("b", ComponentCpu.minus(cpu.snapshot(), cpu0));
        report.wall.put("b", report.sustained.seconds() + report.catchUpSeconds);
        report.ticksWriting = ThroughputBench.tickIntervals(c, wallStart, stoppedMillis);
        report.ticksCatchUp = ThroughputBench.tickIntervals(c, stoppedMillis, System.currentTimeMillis());
        Log.step("(b) wrote %,.0f tx/s for %.1f s, caught up %.1f s later: %,.0f row changes/s sustained",
                report.sustained.txPerSecond(), report.sustained.seconds(), report.catchUpSeconds, report.sustainedRate());

        bench.awaitIdle(c);
        Log.step("(c) freshness: %d transactions/s for %d s", cfg.freshRate(), cfg.freshSeconds());
        report.loads.put("c", Report.loadAverage());
        cpu0 = cpu.snapshot();
        long freshStart = System.currentTimeMillis();
        report.fresh = writers.run("orders", cfg.freshSeconds(), cfg.freshRate());
        long freshStop = System.currentTimeMillis();
        bench.awaitApplied(c, bench.tickSeeing(c, report.fresh.lastXidsArray()));
        report.cpu.put("c", ComponentCpu.minus(cpu.snapshot(), cpu0));
        report.wall.put("c", (System.currentTimeMillis() - freshStart) / 1000.0);
        report.ticksFresh = ThroughputBench.tickIntervals(c, freshStart, freshStop);
        report.freshness = bench.freshness(c, report.fresh.commits());
        report.freshness.forEach((st, v) -> Log.step("(c) %s: commit → visible p50 %.0f ms, p99 %.0f ms (%d commits)", st,
                Stats.median(v), Stats.percentile(v, 99), v.size()));
    }
}
