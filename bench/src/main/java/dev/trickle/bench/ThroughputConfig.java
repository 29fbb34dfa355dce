package dev.trickle.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the throughput benchmark (issue 10, item 5), from system properties {@code -Dbench.throughput.*}.
 * The defaults fit a run of a few minutes on a 2-core machine: 200,000 orders, 4 writer threads, 10 s of
 * PostgreSQL alone, 20 s of writers flat out into the captured tables, 20 s at a moderate fixed rate; capture by
 * triggers ({@code bench.throughput.cdc=trigger}), from the WAL ({@code wal}) or both, one after the other ({@code both}).
 * Before (b), {@code bench.throughput.pipelineWarmupSeconds} (20; 0: none) of writers flat out into the captured
 * tables and their catch-up warm the pipeline up: the stack's JVMs are minutes old then, and their JIT compilers still
 * take a fifth of a core or more (docs/benchmarks.md, Throughput, session 13), which a pipeline that runs for hours no
 * longer pays. That phase's rate is reported as the cold one.
 */
record ThroughputConfig(int orders, int customers, int threads, int pgSeconds, int pipelineWarmupSeconds,
                        int writeSeconds, int freshSeconds,
                        int freshRate, long tickMs, int catchUpTimeoutSeconds, Path out, Path workDir,
                        List<ThroughputPipeline> pipelines) {

    static ThroughputConfig fromSystemProperties() {
        return new ThroughputConfig(
                intProp("bench.throughput.orders", 200_000),
                intProp("bench.throughput.customers", 10_000),
                intProp("bench.throughput.threads", 4),
                intProp("bench.throughput.pgSeconds", 10),
                intProp("bench.throughput.pipelineWarmupSeconds", 20),
                intProp("bench.throughput.writeSeconds", 20),
                intProp("bench.throughput.freshSeconds", 20),
                intProp("bench.throughput.freshRate", 50),
                intProp("bench.throughput.tickMs", 1000),
                intProp("bench.throughput.catchUpTimeoutSeconds", 600),
                Path.of(System.getProperty("bench.out", "target/bench-throughput-results.md")),
                Path.of(System.getProperty("bench.workDir", "target/bench-work")),
                ThroughputPipeline.parse(System.getProperty("bench.throughput.cdc"))).checked();
    }

    /** Refuses settings the run cannot use, naming the property to fix. */
    ThroughputConfig checked() {
        require(orders >= 100, "bench.throughput.orders", orders, "at least 100 (each transaction updates 10 consecutive ids)");
        require(customers >= 1, "bench.throughput.customers", customers, "at least 1");
        require(threads >= 1, "bench.throughput.threads", threads, "at least 1");
        require(pgSeconds >= 1, "bench.throughput.pgSeconds", pgSeconds, "at least 1");
        require(pipelineWarmupSeconds >= 0, "bench.throughput.pipelineWarmupSeconds", pipelineWarmupSeconds,
                "0 (no warm-up of the pipeline) or more");
        require(writeSeconds >= 1, "bench.throughput.writeSeconds", writeSeconds, "at least 1");
        require(freshSeconds >= 1, "bench.throughput.freshSeconds", freshSeconds, "at least 1");
        require(freshRate >= 1, "bench.throughput.freshRate", freshRate, "at least 1 transaction per second");
        require(tickMs >= 10, "bench.throughput.tickMs", tickMs, "at least 10 ms");
        require(catchUpTimeoutSeconds >= 10, "bench.throughput.catchUpTimeoutSeconds", catchUpTimeoutSeconds, "at least 10");
        if (pipelines == null || pipelines.isEmpty()) {
            throw new IllegalArgumentException("bench.throughput.cdc names no capture mode: use trigger, wal or both");
        }
        return this;
    }

    private static void require(boolean ok, String property, long value, String what) {
        if (!ok) {
            throw new IllegalArgumentException(property + " is " + value + ": it must be " + what);
        }
    }

    private static int intProp(String name, int defaultValue) {
        String v = System.getProperty(name);
        try {
            return v == null || v.isBlank() ? defaultValue : Integer.parseInt(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + v + "'", e);
        }
    }
}
