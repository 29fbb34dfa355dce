package dev.trickle.cli;

import dev.trickle.core.TopicNames;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which of a broker's topics are Trickle's, and for what: a change topic per captured source (read by the stream
 * tables that depend on it), a delta topic per stream table, and internal topics (the streams app's gather topics
 * and state changelogs, named after a stream table's id; the Connect worker's config, offset and status topics).
 * Built from the catalog's stream tables and sources and the broker's topic list; {@code trickle topics} prints it.
 */
final class TopicMap {
    /** {@code st-<id>} in a gather topic, store or changelog name: the stream table with that catalog id. */
    private static final Pattern STREAM_TABLE_ID = Pattern.compile("(?:^|[.-])st-(\\d+)(?:-|$)");

    enum Kind { CHANGE, DELTA, INTERNAL }

    /** A stream table of the catalog: its id, display name, raw schema and name, and what it reads. */
    record StreamTable(long id, String display, String schema, String name, List<String> sources) {
    }

    /** A captured source: display name, raw schema and name, and the stream tables that read it. */
    record Source(String display, String schema, String name, List<String> readers) {
    }

    /** One row of the listing; {@code partitions} is -1 for a topic the catalog expects but the broker lacks. */
    record Row(String topic, Kind kind, int partitions, List<String> streamTables, List<String> sources, String note) {
    }

    private TopicMap() {
    }

    /**
     * @param topics every topic of the broker with its partition count
     */
    static List<Row> build(String prefix, List<StreamTable> streamTables, List<Source> sources, Map<String, Integer> topics) {
        Map<String, Row> rows = new TreeMap<>();
        Map<Long, String> byId = new TreeMap<>();
        for (Source s : sources) {
            String topic = TopicNames.changes(prefix, s.schema(), s.name());
            rows.put(topic, new Row(topic, Kind.CHANGE, topics.getOrDefault(topic, -1), s.readers(), List.of(s.display()),
                    note(topics, topic)));
        }
        for (StreamTable st : streamTables) {
            byId.put(st.id(), st.display());
            String topic = TopicNames.delta(prefix, st.schema(), st.name());
            rows.put(topic, new Row(topic, Kind.DELTA, topics.getOrDefault(topic, -1), List.of(st.display()), st.sources(),
                    note(topics, topic)));
        }
        for (Map.Entry<String, Integer> t : topics.entrySet()) {
            String topic = t.getKey();
            if (rows.containsKey(topic)) {
                continue;
            }
            if (topic.startsWith(prefix + ".changes.")) {
                rows.put(topic, new Row(topic, Kind.CHANGE, t.getValue(), List.of(), List.of(), "no captured source"));
            } else if (topic.startsWith(prefix + ".delta.")) {
                rows.put(topic, new Row(topic, Kind.DELTA, t.getValue(), List.of(), List.of(), "no stream table"));
            } else if (topic.startsWith(prefix + ".") || topic.startsWith(prefix + "-")) {
                rows.put(topic, internal(topic, t.getValue(), byId));
            }
        }
        List<Row> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            rows.values().stream().filter(r -> r.kind() == kind).forEach(out::add);
        }
        return out;
    }

    private static Row internal(String topic, int partitions, Map<Long, String> byId) {
        Matcher m = STREAM_TABLE_ID.matcher(topic);
        if (m.find()) {
            String st = byId.get(Long.parseLong(m.group(1)));
            String what = topic.endsWith("-changelog") ? "streams app state" : topic.contains(".gather.") ? "gather topic"
                    : "streams app";
            return new Row(topic, Kind.INTERNAL, partitions, st == null ? List.of() : List.of(st), List.of(),
                    st == null ? what + " of a dropped stream table (id " + m.group(1) + ")" : what);
        }
        String what = topic.matches(".*-(configs|offsets|status)$") ? "Connect worker" : "streams app";
        return new Row(topic, Kind.INTERNAL, partitions, List.of(), List.of(), what);
    }

    private static String note(Map<String, Integer> topics, String topic) {
        return topics.containsKey(topic) ? "" : "not on the broker (yet)";
    }

    /** The listing as a table with a header, columns as wide as their widest value. */
    static List<String> format(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"TOPIC", "KIND", "PARTITIONS", "STREAM TABLES", "SOURCES", "NOTE"});
        for (Row r : rows) {
            cells.add(new String[] {r.topic(), r.kind().name().toLowerCase(), r.partitions() < 0 ? "-" : String.valueOf(r.partitions()),
                    join(r.streamTables()), join(r.sources()), r.note()});
        }
        int[] width = new int[6];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : "  ").append(i == row.length - 1 ? row[i] : pad(row[i], width[i]));
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    private static String join(List<String> names) {
        Set<String> unique = new LinkedHashSet<>(names);
        return unique.isEmpty() ? "-" : String.join(",", unique);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
