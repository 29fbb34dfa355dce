package dev.trickle.bench;

import java.nio.file.Path;

/**
 * The benchmark's settings, from system properties ({@code -Dbench.rows=...}); the defaults are issue #3's
 * target: 1,000,000 fact rows, 0.1% of the rows changed per tick.
 */
record Config(int rows, int customers, int products, int changes, int ticks, int warmup, int baselineTicks,
              boolean rocks, boolean e2e, int e2eRows, int e2eChanges, long e2eTickMs, String pgUrl, String pgUser,
              String pgPassword, String pgSharedBuffers, Path out, Path workDir, long seed, int fillBatch) {

    static Config fromSystemProperties() {
        int rows = intProp("bench.rows", 1_000_000);
        return new Config(
                rows,
                intProp("bench.customers", Math.max(10, rows / 10)),
                intProp("bench.products", Math.max(10, rows / 100)),
                intProp("bench.changes", Math.max(4, rows / 1000)),
                intProp("bench.ticks", 10),
                intProp("bench.warmup", 2),
                intProp("bench.baselineTicks", 5),
                Boolean.parseBoolean(System.getProperty("bench.rocks", "true")),
                Boolean.parseBoolean(System.getProperty("bench.e2e", "true")),
                intProp("bench.e2e.rows", 10_000),
                intProp("bench.e2e.changes", 20),
                intProp("bench.e2e.tickMs", 1000),
                System.getProperty("bench.pg.url"),
                System.getProperty("bench.pg.user", "postgres"),
                System.getProperty("bench.pg.password", "postgres"),
                System.getProperty("bench.pg.sharedBuffers", "1GB"),
                Path.of(System.getProperty("bench.out", "target/bench-results.md")),
                Path.of(System.getProperty("bench.workDir", "target/bench-work")),
                Long.getLong("bench.seed", 20260303L),
                intProp("bench.fillBatch", 50_000));
    }

    private static int intProp(String name, int defaultValue) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? defaultValue : Integer.parseInt(v.trim().replace("_", ""));
    }
}
