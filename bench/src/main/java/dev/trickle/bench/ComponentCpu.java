package dev.trickle.bench;

import dev.trickle.cli.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time used so far by each process of the local stack: PostgreSQL (the postmaster and every backend and
 * worker, including those that have exited), the broker, the Connect worker, the streams app, this JVM (the
 * writers), and the whole machine. The difference of two snapshots is what a phase cost each component.
 */
final class ComponentCpu {
    static final String POSTGRES = "PostgreSQL";
    static final String BROKER = "Kafka broker (and its controller)";
    static final String CONNECT = "Connect worker";
    static final String STREAMS = "streams app";
    static final String BENCH = "benchmark JVM (writers)";
    static final String STACK = "the stack and the writers (sum of the above)";
    static final String MACHINE = "whole machine";
    static final List<String> COMPONENTS = List.of(POSTGRES, BROKER, CONNECT, STREAMS, BENCH);

    private final LocalStack stack;

    ComponentCpu(LocalStack stack) {
        this.stack = stack;
    }

    /** CPU milliseconds per component (-1 where it could not be read), plus {@link #MACHINE}. */
    Map<String, Double> snapshot() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(POSTGRES, postmaster() < 0 ? -1 : ProcessCpu.treeMillis(postmaster()));
        m.put(BROKER, brokerMillis());
        m.put(CONNECT, ProcessCpu.millis(stack.connectWorker().process().pid()));
        m.put(STREAMS, ProcessCpu.millis(stack.streamsApp().pid()));
        m.put(BENCH, ProcessCpu.millis(ProcessHandle.current().pid()));
        double sum = 0;
        for (String component : COMPONENTS) {
            sum = m.get(component) < 0 || sum < 0 ? -1 : sum + m.get(component);
        }
        m.put(STACK, sum);
        m.put(MACHINE, ProcessCpu.machineBusyMillis());
        return m;
    }

    /** The broker and, where it runs in a process of its own, its KRaft controller. */
    private double brokerMillis() {
        double broker = ProcessCpu.millis(stack.broker().process().pid());
        double controller = stack.broker().controllerProcess().map(c -> ProcessCpu.millis(c.pid())).orElse(0.0);
        return broker < 0 || controller < 0 ? -1 : broker + controller;
    }

    /** {@code after - before} per key; -1 where either side is unknown. */
    static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> d = new LinkedHashMap<>();
        after.forEach((k, v) -> {
            Double b = before.get(k);
            d.put(k, v < 0 || b == null || b < 0 ? -1 : v - b);
        });
        return d;
    }

    /** The embedded server's postmaster (first line of {@code postmaster.pid}), or -1 for an external server. */
    private long postmaster() {
        Path pidFile = stack.workDir().resolve("pg-data").resolve("postmaster.pid");
        try {
            return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
