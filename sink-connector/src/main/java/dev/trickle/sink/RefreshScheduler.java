package dev.trickle.sink;

import dev.trickle.core.parallel.RefreshPlan;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the complete ticks of one put() round by execution unit (pgtrickle.parallel_plan()): a unit is a
 * stream table, or a diamond's atomic group (whose members' ticks of one number are applied in one
 * transaction). A unit's ticks are applied in order by one worker; units of one
 * plan level run at the same time on their own connections (parallel.refresh.mode=on, at most the task's
 * parallelism), and a level starts once the level before it is done. With off and dry_run the same units
 * run one at a time on the task's thread. The task thread waits for the round, so the ticks it buffers
 * are never touched by two threads at once.
 */
final class RefreshScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RefreshScheduler.class);

    /** A unit with work in this round; members in plan order (upstream first). */
    record Ready(String key, boolean atomic, int level, List<TopicTicks> members, List<String> names) {
    }

    /** One applied (or given up) batch of ticks, with the incomplete leftovers its topic dropped. */
    record Applied(TopicTicks topic, TickBatch batch, ApplyResult result, List<PendingTick> dropped) {
    }

    /** A failure that a new connection may cure, stopping its unit for this round. */
    record Retriable(TopicTicks topic, TickBatch batch, SQLException error, boolean retriable) {
    }

    /** What a round did. */
    record Round(List<Applied> applied, Retriable failure) {
    }

    private final SinkConfig config;
    private final String workerId;
    private final ApplierPool appliers;
    private final ExecutorService workers;
    private final JobBoard board = new JobBoard();
    private final ApplySchedule schedule;
    /** Per unit: no new attempt before this (System.nanoTime()) after a counted failure. */
    private final Map<String, Long> retryAt = new ConcurrentHashMap<>();
    private volatile RefreshPlan plan = new RefreshPlan(List.of());
    /** Stream tables the plan did not know when it was last read for them (dropped ones stay unknown). */
    private final Set<Long> unknown = new HashSet<>();
    /** The same for the schedules. */
    private final Set<Long> unscheduled = new HashSet<>();

    RefreshScheduler(SinkConfig config, String workerId, ApplySchedule schedule) {
        this.config = config;
        this.workerId = workerId;
        this.schedule = schedule;
        this.appliers = new ApplierPool(config);
        int n = config.parallelism();
        AtomicInteger seq = new AtomicInteger();
        this.workers = n == 1 ? null : Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "trickle-sink-worker-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    JobBoard board() {
        return board;
    }

    /** Takes a newer plan (from the heartbeat thread or the task's own read); logs it when it changed. */
    synchronized void offerPlan(RefreshPlan next) {
        if (!next.equals(plan) && config.parallelMode().logsPlan()) {
            LOG.info("Parallel refresh plan of the sink ({}{}): {}", config.parallelMode().configName(),
                    workers == null ? ", not run: ticks are applied one at a time" : "",
                    next.describe(config.parallelism()));
        }
        plan = next;
    }

    /** The units that have a complete tick and are not waiting out a failure's backoff, in plan order. */
    List<Ready> ready(Collection<TopicTicks> topics) {
        refreshPlanIfUnknown(topics);
        readSchedulesIfUnknown(topics);
        RefreshPlan p = plan;
        Map<String, List<TopicTicks>> byUnit = new LinkedHashMap<>();
        Map<String, RefreshPlan.Unit> units = new LinkedHashMap<>();
        for (TopicTicks tt : topics) {
            if (tt.streamTable() < 0) {
                continue;
            }
            RefreshPlan.Unit u = p.unitOf(tt.streamTable());
            if (u == null) {
                u = new RefreshPlan.Unit(0, tt.topic(), false, List.of(tt.topic()), List.of(tt.streamTable()), List.of());
            }
            units.put(u.key(), u);
            byUnit.computeIfAbsent(u.key(), k -> new ArrayList<>()).add(tt);
        }
        List<Ready> out = new ArrayList<>();
        long now = System.nanoTime();
        for (Map.Entry<String, List<TopicTicks>> e : byUnit.entrySet()) {
            RefreshPlan.Unit u = units.get(e.getKey());
            List<TopicTicks> members = new ArrayList<>(e.getValue());
            members.sort(Comparator.comparingInt(tt -> u.memberIds().indexOf(tt.streamTable())));
            Long wait = retryAt.get(u.key());
            PendingTick first = members.stream().map(TopicTicks::nextComplete).filter(t -> t != null)
                    .min(Comparator.comparingLong(PendingTick::tick)).orElse(null);
            if (first == null || (wait != null && now - wait < 0) || !due(members)) {
                continue;
            }
            first.queuedAt();
            board.queued(u.key(), kind(u), u.members(), first.tick(), first.queuedAt());
            out.add(new Ready(u.key(), u.atomic(), u.level(), members, u.members()));
        }
        out.sort(Comparator.comparingInt(Ready::level).thenComparing(Ready::key));
        return out;
    }

    private static String kind(RefreshPlan.Unit u) {
        return u.atomic() ? "ATOMIC_GROUP" : "SINGLETON";
    }

    /** Reads the plan again when a stream table shows up that it did not know (once per such stream table). */
    private void refreshPlanIfUnknown(Collection<TopicTicks> topics) {
        RefreshPlan p = plan;
        boolean newcomer = topics.stream().map(TopicTicks::streamTable)
                .anyMatch(id -> id >= 0 && p.unitOf(id) == null && !unknown.contains(id));
        if (!newcomer) {
            return;
        }
        DeltaApplier a = null;
        try {
            a = appliers.borrow();
            offerPlan(a.readPlan());
            appliers.release(a);
        } catch (SQLException e) {
            // the apply that follows meets the same database and reports it; the unit runs as a singleton meanwhile
            ApplierPool.discard(a);
            LOG.debug("Could not read the parallel refresh plan: {}", e.getMessage());
        }
        RefreshPlan now = plan;
        topics.stream().map(TopicTicks::streamTable).filter(id -> id >= 0 && now.unitOf(id) == null)
                .forEach(unknown::add);
    }

    /**
     * A unit is due when one of its members is (an atomic group's members then go together, at one tick), and
     * none of them is suspended by the user (a group never shows its members at two ticks, so one holds all).
     */
    private boolean due(List<TopicTicks> members) {
        return members.stream().noneMatch(tt -> schedule.held(tt.streamTable()))
                && members.stream().anyMatch(tt -> tt.nextComplete() != null
                        && schedule.due(tt.streamTable(), tt.hasCompleteFill()));
    }

    /**
     * Reads the schedules when a stream table shows up that they did not list (once per such stream table), so that
     * a held stream table is not applied before the heartbeat's first read after a restart.
     */
    private void readSchedulesIfUnknown(Collection<TopicTicks> topics) {
        boolean newcomer = topics.stream().map(TopicTicks::streamTable)
                .anyMatch(id -> id >= 0 && !schedule.knows(id) && !unscheduled.contains(id));
        if (!newcomer) {
            return;
        }
        DeltaApplier a = null;
        try {
            a = appliers.borrow();
            schedule.offer(ApplySchedule.load(a.connection()));
            appliers.release(a);
        } catch (SQLException e) {
            // the apply that follows meets the same database and reports it
            ApplierPool.discard(a);
            LOG.debug("Could not read the stream tables' schedules: {}", e.getMessage());
        }
        topics.stream().map(TopicTicks::streamTable).filter(id -> id >= 0 && !schedule.knows(id))
                .forEach(unscheduled::add);
    }

    /** Runs the units level by level; stops after the level in which a failure worth a retry happened. */
    Round run(List<Ready> ready) throws InterruptedException {
        List<Applied> applied = new ArrayList<>();
        Retriable failure = null;
        Map<Integer, List<Ready>> levels = new TreeMap<>();
        ready.forEach(r -> levels.computeIfAbsent(r.level(), l -> new ArrayList<>()).add(r));
        try {
            for (List<Ready> level : levels.values()) {
                for (UnitRun run : runLevel(level)) {
                    applied.addAll(run.applied);
                    if (failure == null && run.failure != null) {
                        failure = run.failure;
                    }
                }
                if (failure != null) {
                    break;
                }
            }
        } finally {
            ready.forEach(r -> board.done(r.key()));
        }
        return new Round(applied, failure);
    }

    private List<UnitRun> runLevel(List<Ready> level) throws InterruptedException {
        List<UnitRun> runs = new ArrayList<>();
        if (workers == null || level.size() == 1) {
            for (Ready r : level) {
                UnitRun run = new UnitRun(r);
                run.call();
                runs.add(run);
                if (run.failure != null) {
                    break; // serial: a lost database would fail every other unit in turn
                }
            }
            return runs;
        }
        level.forEach(r -> runs.add(new UnitRun(r)));
        for (Future<UnitRun> f : workers.invokeAll(runs)) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a sink worker failed unexpectedly", e.getCause());
            }
        }
        return runs;
    }

    /** One unit's ticks, applied in order by one worker on one connection. */
    private final class UnitRun implements Callable<UnitRun> {
        private final Ready unit;
        private final List<Applied> applied = new ArrayList<>();
        private Retriable failure;

        UnitRun(Ready unit) {
            this.unit = unit;
        }

        @Override
        public UnitRun call() {
            DeltaApplier a = null;
            List<Next> batch = List.of();
            JobInfo job = new JobInfo(unit.key(), unit.atomic() ? "ATOMIC_GROUP" : "SINGLETON",
                    workerId + "/" + Thread.currentThread().getName());
            try {
                a = appliers.borrow();
                while (!(batch = next()).isEmpty()) {
                    board.running(unit.key(), batch.get(0).batch().firstTick());
                    List<ApplyResult> results = a.applyTogether(batch.stream().map(Next::batch).toList(), job);
                    if (!record(batch, results)) {
                        break;
                    }
                }
                appliers.release(a);
            } catch (SQLException e) {
                boolean retriable = a == null ? PgErrors.retriableState(e.getSQLState())
                        : PgErrors.retriable(e, a.connection());
                ApplierPool.discard(a);
                failure = new Retriable(batch.isEmpty() ? unit.members().get(0) : batch.get(0).topic(),
                        batch.isEmpty() ? null : batch.get(0).batch(), e, retriable);
            }
            return this;
        }

        /** Notes what became of each tick; false when one is kept for a later attempt (the unit waits). */
        private boolean record(List<Next> batch, List<ApplyResult> results) {
            boolean allDone = true;
            for (int i = 0; i < batch.size(); i++) {
                Next n = batch.get(i);
                ApplyResult r = results.get(i);
                if (r.finished()) {
                    applied.add(new Applied(n.topic(), n.batch(), r, n.topic().finish(n.batch())));
                    schedule.applied(n.batch().streamTable(), n.batch().tickMillis());
                } else {
                    applied.add(new Applied(n.topic(), n.batch(), r, List.of()));
                    allDone = false;
                }
            }
            if (allDone) {
                retryAt.remove(unit.key());
            } else {
                retryAt.put(unit.key(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.retryBackoffMs()));
            }
            return allDone;
        }

        /**
         * The unit's next ticks to apply in one transaction: a stream table's consecutive complete ticks (see
         * {@link TopicTicks#completeRun}); for an atomic group, each member's complete ticks from the lowest
         * complete tick number L up to a common last tick H, upstream first, so that the members end at the same
         * tick. A group waits while a member is still collecting a tick at or below L (so that no member runs
         * ahead of the others); H stays below any tick a member is still collecting, and at or below the last
         * tick of every member's run. A member whose earlier ticks are complete is not waited for.
         */
        private List<Next> next() {
            if (!due(unit.members())) {
                return List.of(); // held until its next moment (see ApplySchedule)
            }
            // at its moment a scheduled stream table takes all its waiting ticks in one transaction
            int max = unit.members().stream().anyMatch(tt -> schedule.scheduled(tt.streamTable()))
                    ? Integer.MAX_VALUE : config.batchMaxTicks();
            if (!unit.atomic()) {
                TopicTicks tt = unit.members().get(0);
                List<PendingTick> run = tt.completeRun(max);
                return run.isEmpty() ? List.of() : List.of(new Next(tt, tt.batch(run)));
            }
            Map<TopicTicks, List<PendingTick>> runs = new LinkedHashMap<>();
            long lowest = Long.MAX_VALUE;
            long last = Long.MAX_VALUE;
            for (TopicTicks tt : unit.members()) {
                List<PendingTick> run = tt.completeRun(max);
                runs.put(tt, run);
                if (!run.isEmpty()) {
                    lowest = Math.min(lowest, run.get(0).tick());
                    last = Math.min(last, run.get(run.size() - 1).tick());
                }
            }
            if (lowest == Long.MAX_VALUE) {
                return List.of();
            }
            for (Map.Entry<TopicTicks, List<PendingTick>> e : runs.entrySet()) {
                Long collecting = e.getKey().lowestPending();
                if (e.getValue().isEmpty() && collecting != null) {
                    if (collecting <= lowest) {
                        return List.of();
                    }
                    last = Math.min(last, collecting - 1);
                }
            }
            List<Next> batch = new ArrayList<>();
            for (Map.Entry<TopicTicks, List<PendingTick>> e : runs.entrySet()) {
                final long through = last;
                List<PendingTick> upTo = e.getValue().stream().filter(t -> t.tick() <= through).toList();
                if (!upTo.isEmpty()) {
                    batch.add(new Next(e.getKey(), e.getKey().batch(upTo)));
                }
            }
            return batch;
        }
    }

    private record Next(TopicTicks topic, TickBatch batch) {
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
            try {
                workers.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        appliers.close();
    }
}
