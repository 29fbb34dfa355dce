package dev.trickle.streams.operators.aggregate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many rows carry each written form of one key (numeric {@code 1.0} and {@code 1.00} are one group, or
 * one distinct row), in the order first seen. The output shows the first form seen that some row still
 * carries: PostgreSQL shows the first it meets in scan order, which on a fresh fill is the first seen too.
 */
public final class WrittenForms {
    private final LinkedHashMap<String, Long> counts = new LinkedHashMap<>();

    public static WrittenForms decode(String saved) {
        WrittenForms f = new WrittenForms();
        List<String> fields = Codec.decode(saved);
        for (int i = 0; i < fields.size(); i += 2) {
            f.counts.put(fields.get(i), Long.parseLong(fields.get(i + 1)));
        }
        return f;
    }

    public String encode() {
        List<String> fields = new ArrayList<>();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            fields.add(e.getKey());
            fields.add(e.getValue().toString());
        }
        return Codec.encode(fields);
    }

    /** Counts {@code weight} rows (negative: removes them) written as {@code form}. */
    public void count(String form, long weight) {
        long left = counts.merge(form, weight, Long::sum);
        if (left == 0) {
            counts.remove(form);
        }
    }

    /** The form to show: the first seen that some row still carries (null when none). */
    public String shown() {
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (e.getValue() > 0) {
                return e.getKey();
            }
        }
        return null;
    }
}
