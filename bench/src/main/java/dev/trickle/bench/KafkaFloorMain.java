package dev.trickle.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issue 10's Kafka floor: the throughput benchmark's Kafka traffic (the same records per row change, of the same
 * sizes, in the same hops, with the same exactly-once client settings) replayed by plain Kafka clients with no
 * Trickle code, on the local stack's broker: what the broker and the clients alone cost per row change, and the
 * rate they sustain. Settings {@code -Dbench.kfloor.*} ({@link KafkaFloorConfig}); PostgreSQL's parts of the bound
 * {@code -Dbench.kfloor.pgMs}, {@code .captureMs}, {@code .applyMs} (CPU ms per 1,000 row changes; docs/benchmarks.md,
 * "The Kafka floor"). Writes Markdown to {@code -Dbench.out} and standard output; exits 0 when the sink read exactly
 * the delta records the traffic makes.
 */
public final class KafkaFloorMain {
    private KafkaFloorMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        KafkaFloorConfig cfg = KafkaFloorConfig.fromSystemProperties();
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("CPU", Report.cpuModel() + " (" + Runtime.getRuntime().availableProcessors() + " cores)");
        machine.put("load average at the start", Report.loadAverage());
        machine.put("code", Report.codeVersion());
        Path dir = cfg.workDir().toAbsolutePath().resolve("kfloor-" + System.currentTimeMillis());
        Log.step("Kafka floor: %,d row changes (%s) in %s", cfg.rowChanges(), cfg.rate() > 0 ? cfg.rate() + "/s"
                : "flat out", dir);
        KafkaFloorRun.Result result = KafkaFloorRun.run(cfg, dir);
        machine.put("load average at the end", Report.loadAverage());
        String md = KafkaFloorReport.markdown(cfg, result, machine, doubleProp("pgMs", 22), doubleProp("captureMs", 5),
                doubleProp("applyMs", 8));
        if (cfg.out().getParent() != null) {
            Files.createDirectories(cfg.out().getParent());
        }
        Files.writeString(cfg.out(), md);
        System.out.println(md);
        boolean exact = result.paidRecords() == cfg.expectedPaidRecords()
                && result.revenueRecords() == cfg.expectedRevenueRecords();
        System.exit(exact ? 0 : 1);
    }

    private static double doubleProp(String name, double defaultValue) {
        String v = System.getProperty(KafkaFloorConfig.PREFIX + name);
        return v == null || v.isBlank() ? defaultValue : Double.parseDouble(v.trim());
    }
}
