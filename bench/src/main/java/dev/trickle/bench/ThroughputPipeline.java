package dev.trickle.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One captured copy of the throughput benchmark's tables and its two stream tables, in one capture mode: trigger
 * ({@code orders}, {@code customers}; {@code tp_revenue}, {@code tp_paid}) or WAL ({@code wal_orders},
 * {@code wal_customers}; {@code tp_wal_revenue}, {@code tp_wal_paid}, created with {@code cdc_mode => 'wal'}). With
 * both in one run the same writers write into each copy in turn, so that the two modes are compared on the same
 * stack, tables and load.
 */
record ThroughputPipeline(String cdc, String prefix) {
    static final ThroughputPipeline TRIGGER = new ThroughputPipeline("trigger", "");
    static final ThroughputPipeline WAL = new ThroughputPipeline("wal", "wal_");

    /**
     * {@code bench.throughput.cdc}: trigger, wal, both (trigger first, then WAL), or the two in the order given
     * ({@code wal,trigger}: to see whether running second changes a mode's figures).
     */
    static List<ThroughputPipeline> parse(String value) {
        String v = value == null || value.isBlank() ? "trigger" : value.trim().toLowerCase(Locale.ROOT);
        List<ThroughputPipeline> out = new ArrayList<>();
        for (String mode : (v.equals("both") ? "trigger,wal" : v).split(",")) {
            ThroughputPipeline p = switch (mode.trim()) {
                case "trigger" -> TRIGGER;
                case "wal" -> WAL;
                default -> null;
            };
            if (p == null || out.contains(p)) {
                throw new IllegalArgumentException("bench.throughput.cdc is '" + value + "': use trigger, wal or both (the "
                        + "same writers against a trigger-captured and a WAL-captured copy, one after the other), or "
                        + "wal,trigger for the other order");
            }
            out.add(p);
        }
        return List.copyOf(out);
    }

    String orders() {
        return prefix + "orders";
    }

    String customers() {
        return prefix + "customers";
    }

    /** The join + aggregate stream table. */
    String aggregate() {
        return "tp_" + prefix + "revenue";
    }

    /** The filter stream table. */
    String filter() {
        return "tp_" + prefix + "paid";
    }

    /** Both stream tables' names and queries, the aggregate first. */
    Map<String, String> queries() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put(aggregate(), "SELECT c.region, c.segment, count(*) AS orders, sum(o.amount) AS revenue FROM " + orders()
                + " o JOIN " + customers() + " c ON c.id = o.customer_id GROUP BY c.region, c.segment");
        q.put(filter(), "SELECT id, customer_id, amount, created_at FROM " + orders() + " WHERE status = 'paid'");
        return q;
    }

    /** {@code 'a', 'b'}: the stream tables' names for an IN list (names of this benchmark, never user text). */
    String inList() {
        return "'" + aggregate() + "', '" + filter() + "'";
    }
}
