package dev.trickle.core.parallel;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The execution units of parallel refresh as {@code pgtrickle.parallel_plan()} computes them from the catalog
 * (one implementation, in SQL, for what users see and what the components run).
 */
public final class RefreshPlan {
    /** One execution unit: a stream table, or a diamond's atomic group (members upstream first). */
    public record Unit(int level, String key, boolean atomic, List<String> members, List<Long> memberIds,
                       List<String> waitsFor) {
    }

    private final List<Unit> units;
    private final Map<Long, Unit> byMember = new HashMap<>();

    public RefreshPlan(List<Unit> units) {
        this.units = List.copyOf(units);
        for (Unit u : units) {
            u.memberIds().forEach(id -> byMember.put(id, u));
        }
    }

    public static RefreshPlan load(Connection c) throws SQLException {
        List<Unit> units = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT level, unit_key, unit_kind, members, member_ids, waits_for FROM pgtrickle.parallel_plan()")) {
            while (rs.next()) {
                units.add(new Unit(rs.getInt(1), rs.getString(2), "ATOMIC_GROUP".equals(rs.getString(3)),
                        strings(rs.getArray(4)), longs(rs.getArray(5)), strings(rs.getArray(6))));
            }
        }
        return new RefreshPlan(units);
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.asList((String[]) a.getArray());
    }

    private static List<Long> longs(Array a) throws SQLException {
        return a == null ? List.of() : Arrays.asList((Long[]) a.getArray());
    }

    public List<Unit> units() {
        return units;
    }

    /** The unit a stream table belongs to, or null when the plan does not know it (created since). */
    public Unit unitOf(long streamTable) {
        return byMember.get(streamTable);
    }

    /**
     * The plan as a log message: per level the units that run together, and what each waits for, e.g.
     * {@code level 0 (3 units run together): public.a | public.b | group(public.d1, public.d2, public.apex) [atomic]}.
     */
    public String describe(int workers) {
        if (units.isEmpty()) {
            return "no stream table";
        }
        StringBuilder b = new StringBuilder();
        b.append(units.size()).append(" execution unit(s), at most ").append(workers).append(" at once:");
        Map<Integer, List<Unit>> levels = units.stream().collect(Collectors.groupingBy(Unit::level,
                java.util.TreeMap::new, Collectors.toList()));
        levels.forEach((level, us) -> {
            b.append("\n  level ").append(level).append(" (").append(us.size()).append(" unit(s) run together")
                    .append(level == 0 ? "" : ", after level " + (level - 1)).append("): ");
            b.append(us.stream().map(RefreshPlan::describe).collect(Collectors.joining(" | ")));
        });
        return b.toString();
    }

    private static String describe(Unit u) {
        return u.key() + (u.atomic() ? " [atomic group: each tick in one transaction]" : "")
                + (u.waitsFor().isEmpty() ? "" : " waits for " + String.join(", ", u.waitsFor()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefreshPlan p && p.units.equals(units);
    }

    @Override
    public int hashCode() {
        return units.hashCode();
    }
}
