package dev.trickle.bench;

import dev.trickle.cli.ChildJvm;
import dev.trickle.cli.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * One run of the Kafka floor: the local stack's broker (KRaft, its controller in a process of its own, the stack's
 * settings), the topics, the three client processes; CPU time of each process from /proc between the end of the
 * warm-up and the sink's having read the last tick. Everything started is stopped, also on failure.
 */
final class KafkaFloorRun {
    static final String BROKER = ComponentCpu.BROKER;
    static final String SOURCE = "source: transactional producer (the source task's)";
    static final String STREAMS = "streams: consumer + transactional producer (a stream thread's, exactly-once v2)";
    static final String SINK = "sink: two read_committed consumers (the sink tasks')";
    static final String CLIENTS = "Kafka alone (sum of the above)";
    static final String MACHINE = ComponentCpu.MACHINE;
    static final List<String> ROLES = List.of("sink", "streams", "source");

    /** What a run measured: CPU ms per component, the wall time of the measured ticks, the delta records the sink read. */
    record Result(Map<String, Double> cpuMs, double seconds, long paidRecords, long revenueRecords) {
    }

    private KafkaFloorRun() {
    }

    static Result run(KafkaFloorConfig cfg, Path dir) throws Exception {
        Path runDir = dir.resolve("signals");
        Files.createDirectories(runDir);
        try {
            return measure(cfg, dir, runDir);
        } finally {
            // the broker's data (hundreds of MB per run); its logs and the clients' stay
            for (String sub : List.of("data", "controller")) {
                deleteRecursively(dir.resolve("kafka").resolve(sub));
            }
        }
    }

    private static Result measure(KafkaFloorConfig cfg, Path dir, Path runDir) throws Exception {
        List<ChildJvm> children = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.builder(dir.resolve("kafka")).configs(cfg.overridesOf("broker"))
                .start(Duration.ofSeconds(180))) {
            try {
                createTopics(broker);
                for (String role : ROLES) {
                    ChildJvm.Builder b = ChildJvm.builder("kfloor-" + role, KafkaFloorChild.class.getName())
                            .args(role, broker.bootstrapServers(), runDir.toString())
                            .maxHeap("768m")
                            .logFile(dir.resolve("logs").resolve(role + ".log"))
                            .stopTimeout(Duration.ofSeconds(10));
                    cfg.asSystemProperties().forEach(b::systemProperty);
                    children.add(b.build().start());
                }
                await(runDir.resolve(KafkaFloorChild.WARM), cfg, children, "the warm-up's last tick at the sink");
                Map<String, Double> before = cpu(broker, children);
                long go = System.currentTimeMillis();
                KafkaFloorChild.signal(runDir, KafkaFloorChild.GO, Long.toString(go));
                Path done = runDir.resolve(KafkaFloorChild.DONE);
                await(done, cfg, children, "the last tick at the sink");
                Map<String, Double> used = ComponentCpu.minus(cpu(broker, children), before);
                String[] f = Files.readString(done).trim().split(" ");
                return new Result(used, (Long.parseLong(f[0]) - go) / 1000.0, Long.parseLong(f[1]), Long.parseLong(f[2]));
            } finally {
                children.forEach(ChildJvm::stop);
            }
        }
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void createTopics(KafkaBroker broker) throws Exception {
        Properties p = broker.clientProperties();
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = new ArrayList<>();
            KafkaFloorChild.PARTITIONS.forEach((name, partitions) -> {
                NewTopic t = new NewTopic(name, partitions, (short) 1);
                if (KafkaFloorChild.COMPACTED.contains(name)) {
                    t.configs(Map.of("cleanup.policy", "compact"));
                }
                topics.add(t);
            });
            admin.createTopics(topics).all().get();
        }
    }

    /** CPU ms so far: broker with controller, each client process, their sum, the machine. */
    private static Map<String, Double> cpu(KafkaBroker broker, List<ChildJvm> children) {
        Map<String, Double> m = new LinkedHashMap<>();
        double b = ProcessCpu.millis(broker.process().pid());
        double c = broker.controllerProcess().map(x -> ProcessCpu.millis(x.pid())).orElse(0.0);
        m.put(BROKER, b < 0 || c < 0 ? -1 : b + c);
        m.put(SOURCE, ProcessCpu.millis(children.get(2).pid()));
        m.put(STREAMS, ProcessCpu.millis(children.get(1).pid()));
        m.put(SINK, ProcessCpu.millis(children.get(0).pid()));
        double sum = 0;
        for (double v : m.values()) {
            sum = v < 0 || sum < 0 ? -1 : sum + v;
        }
        m.put(CLIENTS, sum);
        m.put(MACHINE, ProcessCpu.machineBusyMillis());
        return m;
    }

    /** Waits for {@code file}; fails at once when a client process exited (its log says why). */
    private static void await(Path file, KafkaFloorConfig cfg, List<ChildJvm> children, String what) throws Exception {
        long deadline = System.nanoTime() + cfg.timeoutSeconds() * 1_000_000_000L;
        while (!Files.exists(file)) {
            for (ChildJvm c : children) {
                if (!c.isAlive()) {
                    throw new IllegalStateException(c.name() + " exited (status " + c.exitCode().orElse(-1) + ") before "
                            + what + "; " + c.logFile() + ":\n" + c.logTail(30));
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no " + what + " within " + cfg.timeoutSeconds()
                        + " s (bench.kfloor.timeoutSeconds)");
            }
            Thread.sleep(10); // the file's arrival; the times measured are the sink's and the coordinator's own
        }
    }
}
