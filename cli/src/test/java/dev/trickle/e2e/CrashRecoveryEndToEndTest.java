package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.cli.ConfigFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hard stops (SIGKILL) of every component at random moments while all three workloads run: the Connect
 * worker (source and sink tasks), the streams app, the Kafka broker and PostgreSQL, each several times.
 * The invariants never break (writers and reader reconnect when PostgreSQL is gone); afterwards every
 * stream table equals its query, no tick was applied twice, nothing committed is lost and nothing
 * aborted appears. Faults come in rounds that stop every component once, in a random (seeded) order:
 * one round in CI; with {@code -Dtrickle.soak.minutes=N}, rounds follow each other for N minutes.
 * {@code -Dtrickle.crash.faults=STREAMS,STREAMS,CONNECT} makes a round of those faults instead (to measure one
 * component's recovery several times). Each fault prints how long after the kill every stream table had applied a
 * tick taken after the restart (docs/consistency.md, Recovery times), with the writers' commit rate meanwhile and the
 * machine's load average. The load is the soak's: a soak run is this test with {@code -Dtrickle.soak.minutes=N}, the same
 * workloads at the same rate, for longer. {@code -Dtrickle.crash.cdc=wal} captures the workloads' sources from the WAL
 * instead of by triggers (the decoder then resumes from its slot after each fault).
 */
class CrashRecoveryEndToEndTest extends E2eSupport {
    enum Fault { CONNECT, STREAMS, BROKER, POSTGRES }

    private static final Duration RECOVERY = Duration.ofSeconds(240);
    private static final Duration DEPLOY = Duration.ofSeconds(120);
    /** How often a recovery that takes long prints where each stream table stands. */
    private static final Duration PROGRESS = Duration.ofSeconds(15);

    @Test
    void hardStopsOfEveryComponentUnderLoadBreakNoInvariant() throws Exception {
        ConfigFiles.Connector source = stack.sourceConnector();
        try {
            // Ticks every 500 ms here: the sink applies every tick of every stream table in a transaction of its
            // own, and on two cores the backlog a fault leaves behind (a component down for 10 to 20 s) would
            // drain only slowly at 5 ticks a second.
            Map<String, String> slower = new LinkedHashMap<>(source.config());
            slower.put("tick.interval.ms", "500");
            stack.connectWorker().deploy(source.name(), slower, DEPLOY);
            stack.connectWorker().awaitRunning(source.name(), DEPLOY);
            run();
        } finally {
            stack.connectWorker().deploy(source.name(), source.config(), DEPLOY);
            stack.connectWorker().awaitRunning(source.name(), DEPLOY);
        }
    }

    private void run() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        // a load the stack keeps up with (some 70 transactions a second) over seven stream tables
        TransferWorkload transfers = new TransferWorkload("cr_tr", violations, 1, 40, false);
        OrdersWorkload orders = new OrdersWorkload("cr_oc", violations, 1, 40, false);
        LedgerWorkload ledger = new LedgerWorkload("cr_lg", violations, 1, 40);
        List<Workload> workloads = List.of(transfers, orders, ledger);
        String cdc = System.getProperty("trickle.crash.cdc", "").trim();
        if (!cdc.isEmpty()) {
            // the sessions that create the stream tables capture their sources this way
            exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pgtrickle.cdc_mode = %L', current_database(), '"
                    + cdc.replace("'", "") + "'); END $$");
        }
        try {
            Workload.createAll(workloads);
        } finally {
            if (!cdc.isEmpty()) {
                exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET pgtrickle.cdc_mode', current_database()); END $$");
            }
        }
        System.out.println("capture: " + one("SELECT string_agg(DISTINCT cdc_mode, ',') FROM pgtrickle.pgt_sources "
                + "WHERE source_name LIKE 'cr\\_%'"));
        List<String> tables = new ArrayList<>();
        workloads.forEach(w -> tables.addAll(w.streamTables()));
        Random chaos = new Random(Invariants.seed());
        // rounds in which every component is stopped once, in a random order: one in CI, as many as fit in a soak
        List<Fault> plan = new ArrayList<>();
        Map<Fault, Integer> done = new EnumMap<>(Fault.class);
        List<String> log = new ArrayList<>();
        Map<Fault, List<Double>> sinceKill = new EnumMap<>(Fault.class);
        Duration cap = Invariants.soak() ? Invariants.loadDuration(Duration.ZERO) : Duration.ofMinutes(10);
        String report = InvariantRun.run("hard stops", workloads, violations, cap, true, (runner, until) -> {
            int next = 0;
            while (!until.over() && (Invariants.soak() || next < faults().size())) {
                if (next == plan.size()) {
                    List<Fault> round = new ArrayList<>(faults());
                    Collections.shuffle(round, chaos);
                    plan.addAll(round);
                }
                Fault f = plan.get(next++);
                // a random moment: ticks are 500 ms apart, writers commit every few ms
                pace(200 + chaos.nextInt(2_800));
                long t0 = System.nanoTime();
                long commitsBefore = runner.commits();
                kill(f);
                long killed = System.nanoTime();
                // wall-clock time of the kill: the children's logs are stamped with it (HH:mm:ss.SSS)
                String killedAt = java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
                pace(500 + chaos.nextInt(1_500)); // the writers go on (or fail to reach PostgreSQL) meanwhile
                long restarting = System.nanoTime();
                restart(f);
                long restarted = System.nanoTime();
                long target = awaitRecovery(tables, f);
                done.merge(f, 1, Integer::sum);
                long recovered = System.nanoTime();
                sinceKill.computeIfAbsent(f, k -> new ArrayList<>()).add((recovered - killed) / 1e9);
                log.add(String.format("%s at %s: killed in %.1f s, down %.1f s, restarted in %.1f s, every stream table past "
                        + "tick %d %.1f s later: %.1f s after the kill (%s)", f, killedAt, (killed - t0) / 1e9,
                        (restarting - t0) / 1e9, (restarted - restarting) / 1e9, target, (recovered - restarted) / 1e9,
                        (recovered - killed) / 1e9, underLoad(runner.commits() - commitsBefore, recovered - t0)));
                System.out.println("fault " + done.values().stream().mapToInt(Integer::intValue).sum() + ": "
                        + log.get(log.size() - 1));
            }
        });
        System.out.println("hard stops: " + done + "\n  " + String.join("\n  ", log));
        sinceKill.forEach((f, s) -> System.out.println(String.format("recovery after a kill of %s: %s s (max %.1f s)", f,
                s.stream().map(x -> String.format("%.1f", x)).toList(), s.stream().mapToDouble(x -> x).max().orElse(0))));
        for (Fault f : new java.util.LinkedHashSet<>(faults())) {
            assertTrue(done.getOrDefault(f, 0) >= 1, f + " was stopped: " + done + "\n" + report);
        }
        InvariantRun.dropStreamTables(workloads);
    }

    /** The faults of one round: every component once, or those of -Dtrickle.crash.faults. */
    private static List<Fault> faults() {
        String chosen = System.getProperty("trickle.crash.faults", "").trim();
        if (chosen.isEmpty()) {
            return List.of(Fault.values());
        }
        List<Fault> faults = new ArrayList<>();
        for (String name : chosen.split(",")) {
            try {
                faults.add(Fault.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-Dtrickle.crash.faults: no component " + name.trim() + " (use "
                        + List.of(Fault.values()) + ", comma-separated)", e);
            }
        }
        return faults;
    }

    private static void kill(Fault f) {
        switch (f) {
            case CONNECT -> stack.killConnect();
            case STREAMS -> stack.killStreams();
            case BROKER -> stack.killBroker();
            case POSTGRES -> stack.killPostgres();
        }
    }

    private static void restart(Fault f) throws Exception {
        switch (f) {
            case CONNECT -> stack.restartConnect();
            case STREAMS -> stack.restartStreams();
            case BROKER -> stack.restartBroker();
            case POSTGRES -> stack.restartPostgres();
        }
    }

    /** Waits until every stream table applied a tick taken after the restart; returns that tick. */
    private static long awaitRecovery(List<String> tables, Fault f) throws Exception {
        long start = System.nanoTime();
        long deadline = start + RECOVERY.toNanos();
        long nextReport = start + PROGRESS.toNanos();
        long xid = -1;
        long target = -1;
        while (true) {
            try {
                // the first tick whose snapshot was taken after the restart (not currentTick() + 2: see TicksSeeing)
                if (xid < 0) {
                    xid = commitNow();
                }
                if (target < 0) {
                    target = firstTickSeeing(xid);
                }
                boolean all = target >= 0;
                for (String t : tables) {
                    all &= lastTick(t) >= target;
                }
                if (all) {
                    return target;
                }
                if (System.nanoTime() - nextReport > 0) {
                    // where each stream table stands: one that stays put while the others advance is stalled, not slow
                    nextReport += PROGRESS.toNanos();
                    System.out.println(String.format("  %.0f s after the restart, waiting for tick %d (current %d): %s",
                            (System.nanoTime() - start) / 1e9, target, currentTick(), lastTicks(tables)));
                }
            } catch (java.sql.SQLException e) {
                // PostgreSQL still recovering: try again
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the stack did not recover within " + RECOVERY.toSeconds() + " s after " + f + " was killed "
                        + "(waiting for tick " + target + ")\n" + diagnostics());
            }
            pace(200);
        }
    }

    private static String lastTicks(List<String> tables) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        tables.forEach(t -> ticks.put(t, lastTick(t)));
        return ticks.toString();
    }

    /**
     * The load a recovery was measured under: the writers' commit rate meanwhile (they go on through the fault, the
     * soak's load) and the machine's load average, since on a shared machine the figures measure it as much as the stack.
     */
    private static String underLoad(long commits, long nanos) {
        double loadAverage = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format("writers committed %.0f transactions/s meanwhile, load average %.1f", commits / (nanos / 1e9),
                loadAverage);
    }

    private static void pace(long ms) throws InterruptedException {
        Thread.sleep(ms); // a random moment of the workload to strike at, not a wait for a condition
    }
}
