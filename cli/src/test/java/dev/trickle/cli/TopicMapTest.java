package dev.trickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TopicMapTest {
    private static final List<TopicMap.StreamTable> STREAM_TABLES = List.of(
            new TopicMap.StreamTable(1, "public.big_orders", "public", "big_orders", List.of("public.orders")),
            new TopicMap.StreamTable(2, "public.totals", "public", "totals", List.of("public.big_orders", "public.customers")));
    private static final List<TopicMap.Source> SOURCES = List.of(
            new TopicMap.Source("public.customers", "public", "customers", List.of("public.totals")),
            new TopicMap.Source("public.orders", "public", "orders", List.of("public.big_orders")));

    private static Map<String, Integer> broker() {
        Map<String, Integer> t = new TreeMap<>();
        t.put("trickle.changes.public.orders", 2);
        t.put("trickle.changes.public.customers", 2);
        t.put("trickle.delta.public.big_orders", 1);
        t.put("trickle.delta.public.gone", 1);
        t.put("trickle.gather.st-2", 1);
        t.put("trickle-streams-st-2-state-changelog", 1);
        t.put("trickle-streams-st-9-state-changelog", 1);
        t.put("trickle-connect-configs", 1);
        t.put("other.topic", 3);
        return t;
    }

    private static TopicMap.Row row(List<TopicMap.Row> rows, String topic) {
        return rows.stream().filter(r -> r.topic().equals(topic)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + topic + " in " + rows));
    }

    @Test
    void changeTopicsNameTheirSourceAndTheStreamTablesThatReadIt() {
        List<TopicMap.Row> rows = TopicMap.build("trickle", STREAM_TABLES, SOURCES, broker());
        TopicMap.Row orders = row(rows, "trickle.changes.public.orders");
        assertEquals(TopicMap.Kind.CHANGE, orders.kind());
        assertEquals(2, orders.partitions());
        assertEquals(List.of("public.orders"), orders.sources());
        assertEquals(List.of("public.big_orders"), orders.streamTables());
    }

    @Test
    void deltaTopicsNameTheirStreamTableAndWhatItReads() {
        List<TopicMap.Row> rows = TopicMap.build("trickle", STREAM_TABLES, SOURCES, broker());
        TopicMap.Row totals = row(rows, "trickle.delta.public.totals");
        assertEquals(List.of("public.totals"), totals.streamTables());
        assertEquals(List.of("public.big_orders", "public.customers"), totals.sources());
        assertEquals(-1, totals.partitions(), "expected by the catalog, not on the broker");
        assertTrue(totals.note().contains("not on the broker"), totals.note());
        assertEquals("no stream table", row(rows, "trickle.delta.public.gone").note());
    }

    @Test
    void internalTopicsAreAttributedToTheirStreamTableOrComponent() {
        List<TopicMap.Row> rows = TopicMap.build("trickle", STREAM_TABLES, SOURCES, broker());
        assertEquals(List.of("public.totals"), row(rows, "trickle.gather.st-2").streamTables());
        assertEquals("streams app state", row(rows, "trickle-streams-st-2-state-changelog").note());
        assertTrue(row(rows, "trickle-streams-st-9-state-changelog").note().contains("dropped stream table (id 9)"));
        assertEquals("Connect worker", row(rows, "trickle-connect-configs").note());
        assertTrue(rows.stream().noneMatch(r -> r.topic().equals("other.topic")), "topics of other prefixes are not Trickle's");
        assertEquals(List.of(TopicMap.Kind.CHANGE, TopicMap.Kind.DELTA, TopicMap.Kind.INTERNAL),
                rows.stream().map(TopicMap.Row::kind).distinct().toList(), "grouped: change, delta, internal");
    }

    @Test
    void formatIsAnAlignedTableWithAHeader() {
        List<String> lines = TopicMap.format(TopicMap.build("trickle", STREAM_TABLES, SOURCES, broker()));
        assertTrue(lines.get(0).startsWith("TOPIC"), lines.get(0));
        int kindColumn = lines.get(0).indexOf("KIND");
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.substring(kindColumn).matches("(change|delta|internal) .*"), line);
        }
    }
}
