package dev.trickle.bench;

import java.nio.file.Path;

/**
 * Settings of the parallel refresh benchmark (issue #5), from system properties {@code -Dbench.parallel.*}:
 * {@code tables} independent stream tables, each a grouped aggregate over its own source of {@code rows}
 * rows; one bulk transaction changes {@code changePercent}% of the rows of every source; measured
 * {@code reps} times with one worker ({@code off}) and with {@code workers} workers ({@code on}).
 */
record ParallelConfig(int tables, int rows, int groups, int changePercent, int reps, int workers, boolean single,
                      long tickMs, String streamsHeap, Path out, Path workDir, String shape, int fanout,
                      String streamsGc) {
    /** The default shape: a grouped aggregate over the source alone. */
    static final String AGGREGATE = "aggregate";
    /** A grouped aggregate over the source joined to a dimension of {@code fanout} rows per group. */
    static final String JOIN = "join";

    static ParallelConfig fromSystemProperties() {
        return new ParallelConfig(
                intProp("bench.parallel.tables", 20),
                intProp("bench.parallel.rows", 200_000),
                intProp("bench.parallel.groups", 2_000),
                intProp("bench.parallel.changePercent", 5),
                intProp("bench.parallel.reps", 3),
                intProp("bench.parallel.workers", 4),
                Boolean.parseBoolean(System.getProperty("bench.parallel.single", "true")),
                intProp("bench.parallel.tickMs", 1000),
                System.getProperty("bench.parallel.streamsHeap", "2g"),
                Path.of(System.getProperty("bench.out", "target/bench-parallel-results.md")),
                Path.of(System.getProperty("bench.workDir", "target/bench-work")),
                shape(System.getProperty("bench.parallel.shape", AGGREGATE)),
                intProp("bench.parallel.fanout", 50),
                System.getProperty("bench.parallel.streamsGc", "ParallelGC"));
    }

    private static String shape(String value) {
        if (!value.equals(AGGREGATE) && !value.equals(JOIN)) {
            throw new IllegalArgumentException("bench.parallel.shape must be '" + AGGREGATE + "' or '" + JOIN + "', not '"
                    + value + "'");
        }
        return value;
    }

    /** Rows changed per source by one bulk change: {@code id % modulus = r} for a random r. */
    int modulus() {
        return Math.max(1, 100 / Math.max(1, changePercent));
    }

    private static int intProp(String name, int defaultValue) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? defaultValue : Integer.parseInt(v.trim().replace("_", ""));
    }
}
