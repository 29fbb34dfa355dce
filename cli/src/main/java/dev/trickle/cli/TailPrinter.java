package dev.trickle.cli;

import dev.trickle.core.records.DeltaRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lines {@code trickle tail} prints for a delta topic's records: a row with its sign (and its weight where
 * it is more than one copy) and tick, and, once every producer's end marker has arrived on every partition, the
 * tick's end with what it changed:
 * <pre>
 * tick 812 + (grp=a, total=375.00)
 * tick 812 - (grp=a, total=370.00)
 * tick 812 +3 (grp=b, total=NULL)
 * tick 812 done: +4 -1 rows
 * </pre>
 * A fill (a tick that replaces the whole content) says so: {@code tick 5 done (fill): +30 rows}.
 */
final class TailPrinter {
    private final List<String> columns;
    private final Map<Long, Tick> ticks = new HashMap<>();
    private long ticksDone;

    TailPrinter(List<String> columns) {
        this.columns = List.copyOf(columns);
    }

    /** The line of a record, if it makes one (a row always does; an end marker when its tick is complete). */
    List<String> lines(int partition, DeltaRecord record) {
        Tick t = ticks.computeIfAbsent(record.tick(), k -> new Tick());
        List<String> out = new ArrayList<>(1);
        if (record instanceof DeltaRecord.Row r) {
            if (r.weight() > 0) {
                t.inserted += r.weight();
            } else {
                t.deleted -= r.weight();
            }
            out.add("tick " + r.tick() + " " + sign(r.weight()) + " " + row(r.values()));
        } else if (record instanceof DeltaRecord.End e) {
            t.markers.add(List.of(partition, e.producer()));
            t.initial |= e.initial();
            if (t.markers.size() >= e.producers() * e.partitions()) {
                ticks.remove(e.tick());
                // every partition is past the ticks before this one: one still open began before tail started
                ticks.keySet().removeIf(tick -> tick < e.tick());
                ticksDone++;
                out.add("tick " + e.tick() + " done" + (t.initial ? " (fill)" : "") + ": " + counts(t));
            }
        }
        return out;
    }

    /** How many ticks were complete so far. */
    long ticksDone() {
        return ticksDone;
    }

    static String sign(long weight) {
        String s = weight > 0 ? "+" : "-";
        return Math.abs(weight) == 1 ? s : s + Math.abs(weight);
    }

    private String row(List<String> values) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < values.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(i < columns.size() ? columns.get(i) : "column" + (i + 1)).append('=')
                    .append(value(values.get(i)));
        }
        return sb.append(')').toString();
    }

    /** PostgreSQL's text of a value; quoted where it would otherwise be ambiguous in the line (NULL, spaces, commas). */
    static String value(String text) {
        if (text == null) {
            return "NULL";
        }
        if (text.isEmpty() || text.equals("NULL") || text.chars().anyMatch(c -> Character.isWhitespace(c)
                || c == ',' || c == '(' || c == ')' || c == '=' || c == '\'')) {
            return "'" + text.replace("'", "''") + "'";
        }
        return text;
    }

    private static String counts(Tick t) {
        if (t.inserted == 0 && t.deleted == 0) {
            return "no changes";
        }
        StringBuilder sb = new StringBuilder();
        if (t.inserted > 0) {
            sb.append('+').append(t.inserted);
        }
        if (t.deleted > 0) {
            sb.append(sb.length() > 0 ? " " : "").append('-').append(t.deleted);
        }
        return sb.append(t.inserted + t.deleted == 1 ? " row" : " rows").toString();
    }

    private static final class Tick {
        final Set<List<Integer>> markers = new HashSet<>();
        long inserted;
        long deleted;
        boolean initial;
    }
}
