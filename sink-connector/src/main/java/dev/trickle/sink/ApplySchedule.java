package dev.trickle.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When each stream table is brought up to date: its schedule (pgtrickle.alter_stream_table / create_stream_table)
 * as the catalog resolves it in pgtrickle._sink_schedules(), read about once a second. The catalog is the one
 * place that parses schedules (durations, cron expressions, 'calculated'); this class only compares times.
 *
 * <p>A stream table that is not due keeps its complete ticks where they are, in {@link TopicTicks}: they are
 * not applied, so their offsets are not committed, and a restart reads them again (nothing is lost while held).
 * Once due, all its complete ticks go in one transaction, so the stream table always shows one tick.
 * <ul>
 * <li>every tick ('calculated' with no duration-scheduled reader): always due, as before schedules meant anything;
 * <li>a duration d: due once its data is d old (pg_trickle's rule: refresh when staler than the schedule);
 * <li>a cron expression: due when one of its moments passed since the stream table was last brought up to date;
 * <li>suspended by the user (held): never due, fills included, until resumed.
 * </ul>
 * A fill (the first content, or a refresh) is applied at once: it replaces whatever was held before it.
 */
final class ApplySchedule {
    enum Kind { EVERY_TICK, DURATION, CRON }

    /**
     * One stream table's schedule as last read.
     *
     * @param periodMs     a duration's length
     * @param lastMomentMs a cron expression's latest moment at or before the read (0 if none)
     * @param dataMs       the time of the tick its content is at (0 before the first)
     * @param servedMs     when it was last brought up to date (its data or its last apply, whichever is later)
     */
    record Rule(Kind kind, long periodMs, long lastMomentMs, long dataMs, long servedMs, boolean held) {
        static Rule everyTick() {
            return new Rule(Kind.EVERY_TICK, 0, 0, 0, 0, false);
        }
    }

    private final LongSupplier clock;
    private volatile Map<Long, Rule> rules = Map.of();
    /** Per stream table, what this task applied since: {tick time of its data, wall time of the apply}. */
    private final Map<Long, long[]> local = new ConcurrentHashMap<>();

    ApplySchedule(LongSupplier clock) {
        this.clock = clock;
    }

    void offer(Map<Long, Rule> next) {
        rules = Map.copyOf(next);
    }

    boolean knows(long streamTable) {
        return rules.containsKey(streamTable);
    }

    /** Whether the stream table waits for moments (then all its waiting ticks go in one transaction). */
    boolean scheduled(long streamTable) {
        Rule r = rules.get(streamTable);
        return r != null && (r.kind() != Kind.EVERY_TICK || r.held());
    }

    /** Suspended by the user: nothing of it is applied until it is resumed. */
    boolean held(long streamTable) {
        Rule r = rules.get(streamTable);
        return r != null && r.held();
    }

    /**
     * Whether the stream table's waiting ticks are to be applied now; {@code fill}: one of them is a fill. A stream
     * table the catalog did not list (yet) is applied every tick, as before.
     */
    boolean due(long streamTable, boolean fill) {
        Rule r = rules.get(streamTable);
        if (r == null) {
            return true;
        }
        if (r.held()) {
            return false;
        }
        if (fill || r.kind() == Kind.EVERY_TICK) {
            return true;
        }
        long[] mine = local.getOrDefault(streamTable, new long[2]);
        if (r.kind() == Kind.DURATION) {
            long data = Math.max(r.dataMs(), mine[0]);
            return data == 0 || clock.getAsLong() >= data + r.periodMs();
        }
        return r.lastMomentMs() > Math.max(r.servedMs(), mine[1]);
    }

    /** This task brought the stream table to a tick of this time. */
    void applied(long streamTable, long tickMillis) {
        long now = clock.getAsLong();
        local.merge(streamTable, new long[] {tickMillis, now},
                (a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
    }

    /** The rules as the catalog resolves them now (pgtrickle._sink_schedules()). */
    static Map<Long, Rule> load(Connection c) throws SQLException {
        Map<Long, Rule> out = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pgt_id, kind, period_ms, last_moment, data_timestamp, served_at, held "
                     + "FROM pgtrickle._sink_schedules()")) {
            while (rs.next()) {
                Kind kind = switch (rs.getString(2)) {
                    case "duration" -> Kind.DURATION;
                    case "cron" -> Kind.CRON;
                    default -> Kind.EVERY_TICK;
                };
                out.put(rs.getLong(1), new Rule(kind, rs.getLong(3), millis(rs.getTimestamp(4)),
                        millis(rs.getTimestamp(5)), millis(rs.getTimestamp(6)), rs.getBoolean(7)));
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return out;
    }

    private static long millis(Timestamp t) {
        return t == null ? 0 : t.getTime();
    }
}
