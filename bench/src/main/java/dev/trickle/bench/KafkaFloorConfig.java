package dev.trickle.bench;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings of the Kafka floor benchmark ({@link KafkaFloorMain}), from system properties {@code -Dbench.kfloor.*}:
 * how many row changes to replay, after how many of warm-up, at what rate (0: flat out, ticks back to back), in
 * ticks of what interval; the traffic per row change ({@link KafkaFloorTraffic}); and any client or broker setting
 * to try ({@code bench.kfloor.source.KEY}, {@code .streams.KEY}, {@code .sink.KEY}: the producer's or consumer's
 * KEY in that role; {@code bench.kfloor.broker.KEY}: the broker's).
 */
record KafkaFloorConfig(long rowChanges, long warmupRowChanges, int rate, int tickMs, int flatTickRowChanges,
                        int commitIntervalMs, double stateLogPerGathered, int timeoutSeconds, Path out, Path workDir,
                        Map<String, String> overrides) {
    static final String PREFIX = "bench.kfloor.";

    KafkaFloorConfig {
        // sorted: the report lists them in a stable order
        overrides = java.util.Collections.unmodifiableMap(new TreeMap<>(overrides));
    }

    static KafkaFloorConfig fromSystemProperties() {
        Map<String, String> overrides = new TreeMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            for (String role : new String[] {"source.", "streams.", "sink.", "broker."}) {
                if (name.startsWith(PREFIX + role)) {
                    overrides.put(name.substring(PREFIX.length()), System.getProperty(name));
                }
            }
        }
        return new KafkaFloorConfig(
                longProp("rowChanges", 600_000),
                longProp("warmupRowChanges", 100_000),
                (int) longProp("rate", 0),
                (int) longProp("tickMs", 1000),
                (int) longProp("flatTickRowChanges", 12_000),
                (int) longProp("commitIntervalMs", 200),
                Double.parseDouble(System.getProperty(PREFIX + "stateLogPerGathered",
                        String.valueOf(KafkaFloorTraffic.MEASURED.stateLogPerGathered()))),
                (int) longProp("timeoutSeconds", 900),
                Path.of(System.getProperty("bench.out", "target/bench-kafka-floor-results.md")),
                Path.of(System.getProperty("bench.workDir", "target/bench-work")),
                overrides).checked();
    }

    /** This configuration as the system properties {@link #fromSystemProperties} reads (for the client processes). */
    Map<String, String> asSystemProperties() {
        Map<String, String> p = new TreeMap<>();
        p.put(PREFIX + "rowChanges", Long.toString(rowChanges));
        p.put(PREFIX + "warmupRowChanges", Long.toString(warmupRowChanges));
        p.put(PREFIX + "rate", Integer.toString(rate));
        p.put(PREFIX + "tickMs", Integer.toString(tickMs));
        p.put(PREFIX + "flatTickRowChanges", Integer.toString(flatTickRowChanges));
        p.put(PREFIX + "commitIntervalMs", Integer.toString(commitIntervalMs));
        p.put(PREFIX + "stateLogPerGathered", Double.toString(stateLogPerGathered));
        p.put(PREFIX + "timeoutSeconds", Integer.toString(timeoutSeconds));
        overrides.forEach((k, v) -> p.put(PREFIX + k, v));
        return p;
    }

    /** The traffic replayed: as measured, with this run's number of join-state changelog records. */
    KafkaFloorTraffic traffic() {
        return KafkaFloorTraffic.MEASURED.withStateLogPerGathered(stateLogPerGathered);
    }

    /** Row changes per tick: a tick interval's worth at the fixed rate, or {@link #flatTickRowChanges} flat out. */
    long tickRowChanges() {
        return rate > 0 ? Math.max(1, (long) rate * tickMs / 1000) : flatTickRowChanges;
    }

    /** {@code total} row changes in ticks of {@link #tickRowChanges}, the last one what is left. */
    long[] ticks(long total) {
        long per = tickRowChanges();
        long n = (total + per - 1) / per;
        long[] out = new long[(int) n];
        for (int k = 0; k < n; k++) {
            out[k] = Math.min(per, total - k * per);
        }
        return out;
    }

    /**
     * The filter's delta records of the whole run, warm-up included (the streams process rounds the running count
     * down; a tick's records may pass the previous tick's marker, so only the whole run's count is exact).
     */
    long expectedPaidRecords() {
        KafkaFloorTraffic t = traffic();
        long all = 0;
        for (long rows : ticks(warmupRowChanges)) {
            all += t.changeRecords(rows);
        }
        for (long rows : ticks(rowChanges)) {
            all += t.changeRecords(rows);
        }
        return KafkaFloorTraffic.upTo(all, t.paidPerChange());
    }

    /** The aggregate's delta records of the whole run. */
    long expectedRevenueRecords() {
        return (warmupTicks() + measuredTicks()) * traffic().aggregatePerTick();
    }

    long warmupTicks() {
        return (warmupRowChanges + tickRowChanges() - 1) / tickRowChanges();
    }

    long measuredTicks() {
        return (rowChanges + tickRowChanges() - 1) / tickRowChanges();
    }

    /** The settings of one role ({@code source}, {@code streams}, {@code sink}, {@code broker}) given on the command line. */
    Map<String, String> overridesOf(String role) {
        Map<String, String> out = new TreeMap<>();
        overrides.forEach((k, v) -> {
            if (k.startsWith(role + ".")) {
                out.put(k.substring(role.length() + 1), v);
            }
        });
        return out;
    }

    KafkaFloorConfig checked() {
        require(rowChanges >= 1, "rowChanges", rowChanges, "at least 1");
        require(warmupRowChanges >= 0, "warmupRowChanges", warmupRowChanges, "0 or more");
        require(rate >= 0, "rate", rate, "0 (flat out) or row changes per second");
        require(tickMs >= 10, "tickMs", tickMs, "at least 10 ms");
        require(flatTickRowChanges >= 1, "flatTickRowChanges", flatTickRowChanges, "at least 1");
        require(commitIntervalMs >= 1, "commitIntervalMs", commitIntervalMs, "at least 1 ms");
        require(stateLogPerGathered >= 0, "stateLogPerGathered", (long) stateLogPerGathered, "0 or more");
        require(timeoutSeconds >= 10, "timeoutSeconds", timeoutSeconds, "at least 10");
        return this;
    }

    private static void require(boolean ok, String property, long value, String what) {
        if (!ok) {
            throw new IllegalArgumentException(PREFIX + property + " is " + value + ": it must be " + what);
        }
    }

    private static long longProp(String name, long defaultValue) {
        String v = System.getProperty(PREFIX + name);
        try {
            return v == null || v.isBlank() ? defaultValue : Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + name + " must be a whole number, not '" + v + "'", e);
        }
    }
}
