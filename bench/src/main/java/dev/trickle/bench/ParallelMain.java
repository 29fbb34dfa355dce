package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

/**
 * Issue #5's benchmark: on the real local stack (embedded PostgreSQL, a KRaft broker, Connect with both
 * connectors, the streams app), {@link ParallelConfig#tables()} independent stream tables; one bulk change
 * touches every source; the time until all of them applied that tick with parallel refresh {@code off} (one
 * worker) and {@code on} (several), alternating in one run, and the same for a change to one source only
 * (the overhead of {@code on} for a single stream table). Writes Markdown to {@code -Dbench.out} (default
 * {@code target/bench-parallel-results.md}) and standard output. Exits 0 when every stream table equalled its
 * query at the end, 1 otherwise; missing the speed-up target is reported, not failed.
 */
public final class ParallelMain {
    private ParallelMain() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        ParallelConfig cfg = ParallelConfig.fromSystemProperties();
        ParallelReport report = new ParallelReport(cfg);
        Path dir = cfg.workDir().toAbsolutePath().resolve("parallel-" + System.currentTimeMillis());
        Log.step("parallel refresh: starting the local stack in %s", dir);
        try (LocalStack stack = LocalStack.builder()
                .workDir(dir)
                .sourceConfig("tick.interval.ms", String.valueOf(cfg.tickMs()))
                .heaps("512m", "1g", cfg.streamsHeap())
                // the stack's serial collector stops every stream thread while one core collects: with 4 threads
                // allocating, that alone would cap what `on` can gain (see docs/benchmarks.md)
                .streamsJvmOption("-XX:+Use" + cfg.streamsGc())
                .timeout(Duration.ofSeconds(180))
                .progress(System.err)
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
        System.exit(report.verified ? 0 : 1);
    }

    private static void run(ParallelConfig cfg, ParallelReport report, LocalStack stack, Connection c, long t0)
            throws Exception {
        ParallelBench bench = new ParallelBench(cfg, stack);
        Log.step("creating %d sources of %,d rows and their stream tables", cfg.tables(), cfg.rows());
        bench.setUp(c);
        report.machine.put("stack", "LocalStack: " + c.getMetaData().getDatabaseProductVersion()
                + " (embedded), broker, Connect worker and streams app as child JVMs on the same cores; the streams app's "
                + "heap " + cfg.streamsHeap() + " with -XX:+Use" + cfg.streamsGc());
        ParallelModes modes = new ParallelModes(stack, cfg.workers());
        report.how = modes.how();
        report.setupSeconds = (System.nanoTime() - t0) / 1e9;
        Log.step("stack started and stream tables filled in %.0f s", report.setupSeconds);
        for (int rep = 1; rep <= cfg.reps(); rep++) {
            // alternate which mode goes first, so that a drift in the machine's load hits both alike
            boolean[] order = rep % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false};
            for (boolean on : order) {
                modes.apply(on);
                String mode = ParallelModes.name(on);
                // the first ticks after a restart (a tenth of the bulk change) warm the JITs and connections up
                bench.measure(c, mode, "warmup", rep, cfg.tables(), cfg.rows() / 10);
                report.samples.add(bench.measure(c, mode, "bulk", rep, cfg.tables()));
                for (int i = 0; cfg.single() && i < 2; i++) {
                    report.samples.add(bench.measure(c, mode, "single", rep, 1));
                }
            }
        }
        bench.awaitIdle(c);
        report.difference = bench.firstDifference(c);
        report.verified = report.difference == null;
    }
}
