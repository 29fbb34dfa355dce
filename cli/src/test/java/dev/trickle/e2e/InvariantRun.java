package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of workloads under invariants: writers and the reader run while the scenario does its part
 * (nothing, faults, injected failures); then the writers stop, the stream tables catch up, and every
 * check after the run is made. Fails with every broken invariant the reader saw.
 */
final class InvariantRun {
    /** What the test does while the load runs; returns when its part is done (the load then stops). */
    interface Scenario {
        void run(LoadRunner runner, Deadline until) throws Exception;
    }

    /** The end of the load, and whether the run should end sooner (a writer or the reader failed). */
    static final class Deadline {
        private final long end;
        private final LoadRunner runner;
        private final Invariants.Violations violations;

        Deadline(Duration d, LoadRunner runner, Invariants.Violations violations) {
            this.end = System.nanoTime() + d.toNanos();
            this.runner = runner;
            this.violations = violations;
        }

        boolean over() {
            return System.nanoTime() - end >= 0 || !runner.failures().isEmpty() || violations.count() > 0;
        }

        /** Lets the load run until the end (or a failure). */
        void runOut() throws InterruptedException {
            while (!over()) {
                Thread.sleep(100); // the load runs meanwhile; checked ten times a second
            }
        }
    }

    private InvariantRun() {
    }

    /**
     * Drops the workloads' stream tables (after a successful run): each stream table costs every later
     * tick some work in the shared stack, also when idle.
     */
    static void dropStreamTables(List<Workload> workloads) throws Exception {
        for (Workload w : workloads) {
            for (String t : w.streamTables()) {
                E2eSupport.exec("SELECT pgtrickle.drop_stream_table('" + t + "')");
            }
        }
    }

    static String run(String name, List<Workload> workloads, Invariants.Violations violations, Duration load,
                      boolean faults, Scenario scenario) throws Exception {
        List<String> tables = new ArrayList<>();
        workloads.forEach(w -> tables.addAll(w.streamTables()));
        long firstTick = E2eSupport.currentTick();
        long t0 = System.nanoTime();
        LoadRunner runner = new LoadRunner(workloads, Invariants.seed(), faults);
        runner.start();
        try {
            scenario.run(runner, new Deadline(load, runner, violations));
        } finally {
            runner.stop();
        }
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        for (Workload w : workloads) {
            w.finish();
        }
        E2eSupport.awaitCaughtUp(tables.toArray(String[]::new));
        AssertionError unequal = null;
        try {
            for (Workload w : workloads) {
                w.verify();
            }
        } catch (AssertionError e) {
            unequal = e;
        }
        if (unequal != null) { // with what the reader saw during the run
            fail(name + ": " + violations.describe() + "\nafter the run: " + unequal.getMessage(), unequal);
        }
        String inList = "'" + String.join("', '", tables.stream().map(t -> t.substring(t.indexOf('.') + 1)).toList()) + "'";
        // a history row covers the ticks first_tick_id .. tick_id (the sink applies waiting ticks together): no
        // applied row may start at or below the last tick of the one before it
        assertEquals("0", E2eSupport.one("SELECT count(*) FROM (SELECT coalesce(h.first_tick_id, h.tick_id) AS first_tick, "
                + "lag(h.tick_id) OVER (PARTITION BY h.pgt_id ORDER BY h.tick_id, h.refresh_id) AS previous_last "
                + "FROM pgtrickle.pgt_refresh_history h "
                + "JOIN pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.pgt_name IN (" + inList + ") "
                // failed attempts have history rows too (status FAILED); only applied ticks count here
                + "AND h.status = 'COMPLETED') r WHERE r.first_tick <= r.previous_last"), "no tick applied twice");
        // the buffers drain once the load stops: cleaned as soon as their ticks are in Kafka
        E2eSupport.await("the change buffers to drain", E2eSupport.sql(() -> "0".equals(E2eSupport.one(
                "SELECT coalesce(sum(pending_rows), 0) FROM pgtrickle.change_buffer_status()"))));
        long lastTick = E2eSupport.currentTick();

        StringBuilder report = new StringBuilder(name + ": " + Math.round(loadMillis / 1000.0) + " s of load over ticks "
                + firstTick + ".." + lastTick + "; " + runner.summary());
        workloads.forEach(w -> report.append("\n  ").append(w.summary()));
        System.out.println(report);
        if (!runner.failures().isEmpty()) {
            fail(name + ": writers or reader failed: " + runner.failures() + "\n" + report);
        }
        if (violations.count() > 0) {
            fail(name + ": " + violations.describe() + "\n" + report);
        }
        assertTrue(runner.polls() >= 20, "the reader polled: " + report);
        assertTrue(runner.commits() >= 50, "the writers wrote: " + report);
        return report.toString();
    }
}
