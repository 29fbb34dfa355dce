package dev.trickle.e2e;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * What the invariant tests share: how long they run (short and seeded in CI, longer for a soak run),
 * where broken invariants are collected, and a per-tick record of what each stream table showed, so
 * that stream tables read at different moments can still be compared at the same tick.
 */
final class Invariants {
    private Invariants() {
    }

    /** {@code -Dtrickle.soak.minutes=N}: every invariant test runs its load for N minutes instead of its CI duration. */
    static int soakMinutes() {
        return Integer.getInteger("trickle.soak.minutes", 0);
    }

    static boolean soak() {
        return soakMinutes() > 0;
    }

    /** The load duration: {@code ci} in a normal run, the soak duration when one is asked for. */
    static Duration loadDuration(Duration ci) {
        return soak() ? Duration.ofMinutes(soakMinutes()) : ci;
    }

    /** {@code -Dtrickle.seed=N} replays a run; the default keeps CI runs seeded. */
    static long seed() {
        return Long.getLong("trickle.seed", 20261121L);
    }

    static BigDecimal dec(String s) {
        return s == null || s.isEmpty() ? BigDecimal.ZERO : new BigDecimal(s);
    }

    /** Broken invariants, as the reader found them: the first ones in full, and how many in all. */
    static final class Violations {
        private static final int KEPT = 40;
        private final List<String> first = new ArrayList<>();
        private long count;

        synchronized void add(String what) {
            count++;
            if (first.size() < KEPT) {
                first.add(what);
            }
        }

        synchronized long count() {
            return count;
        }

        synchronized String describe() {
            return count + " broken invariant(s); the first ones:\n  " + String.join("\n  ", first);
        }
    }

    /**
     * What each stream table of a workload showed at each tick. A stream table read twice at the same
     * tick must show the same content (one tick, one state), its tick never goes back, and once several
     * stream tables were seen at the same tick, the workload's cross-check compares them.
     */
    static final class TickRecorder {
        private static final int TICKS_KEPT = 20_000;
        private final String workload;
        private final Violations violations;
        private final BiConsumer<Long, Map<String, Object>> crossCheck;
        private final TreeMap<Long, Map<String, Object>> byTick = new TreeMap<>();
        private final Map<String, Long> lastSeen = new HashMap<>();
        private final Map<String, Integer> ticksSeen = new HashMap<>();
        private long crossChecked;

        TickRecorder(String workload, Violations violations, BiConsumer<Long, Map<String, Object>> crossCheck) {
            this.workload = workload;
            this.violations = violations;
            this.crossCheck = crossCheck;
        }

        /** Records one stream table's content at its tick; null tick: not filled yet (nothing to check). */
        void record(String table, Long tick, Object content) {
            if (tick == null) {
                return;
            }
            Long before = lastSeen.get(table);
            if (before != null && tick < before) {
                violations.add(workload + ": " + table + " went back from tick " + before + " to tick " + tick);
            }
            if (before == null || tick > before) {
                lastSeen.put(table, tick);
                ticksSeen.merge(table, 1, Integer::sum);
            }
            Map<String, Object> at = byTick.computeIfAbsent(tick, t -> new HashMap<>());
            Object earlier = at.putIfAbsent(table, content);
            if (earlier != null) {
                if (!Objects.equals(earlier, content)) {
                    violations.add(workload + ": " + table + " showed two different states at tick " + tick + ": "
                            + earlier + " and " + content);
                }
                return;
            }
            if (at.size() > 1) {
                crossChecked++;
                crossCheck.accept(tick, at);
            }
            while (byTick.size() > TICKS_KEPT) {
                byTick.pollFirstEntry();
            }
        }

        /** Ticks at which two or more stream tables were compared. */
        long crossChecked() {
            return crossChecked;
        }

        /** Distinct ticks seen per stream table. */
        Map<String, Integer> ticksSeen() {
            return new TreeMap<>(ticksSeen);
        }
    }
}
