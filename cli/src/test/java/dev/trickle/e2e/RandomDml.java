package dev.trickle.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random DML over e2e_items (keyed) and e2e_events (keyless, with duplicates). */
final class RandomDml {
    private static final String[] NAMES = {"'apple'", "'Banana'", "'a%b'", "'c_d'", "'o''brien'", "NULL", "'zeta'", "'ärger'", "'tab\tin'"};
    private final Random random;
    private int nextId = 1;

    RandomDml(Random random) {
        this.random = random;
    }

    String insertItems(int count) {
        StringBuilder sql = new StringBuilder("INSERT INTO e2e_items VALUES ");
        for (int i = 0; i < count; i++) {
            sql.append(i > 0 ? ", " : "").append('(').append(nextId++).append(", ")
                    .append(maybeNull(Integer.toString(random.nextInt(6)))).append(", ")
                    .append(maybeNull(random.nextInt(20000) / 100 + "." + random.nextInt(10) + random.nextInt(10))).append(", ")
                    .append(maybeNull(Integer.toString(random.nextInt(101)))).append(", ")
                    .append(NAMES[random.nextInt(NAMES.length)]).append(", ")
                    .append(maybeNull(Boolean.toString(random.nextInt(4) > 0))).append(')');
        }
        return sql.toString();
    }

    String insertEvents(int count) {
        int seed = random.nextInt(1000);
        return "INSERT INTO e2e_events SELECT 'k' || (g % 3), (g * 37 + " + seed + ") % 100, "
                + "CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || (g % 5) END FROM generate_series(1, " + count + ") g";
    }

    /** One round: several multi-row statements, including primary-key changes; round 4 truncates. */
    List<String> round(int round) {
        List<String> sql = new ArrayList<>();
        int r = random.nextInt(7);
        sql.add(insertItems(10 + random.nextInt(30)));
        sql.add("UPDATE e2e_items SET price = price + 7.25, qty = qty - 3 WHERE id % 7 = " + r);
        sql.add("UPDATE e2e_items SET id = id + 100000 WHERE id % 11 = " + random.nextInt(11) + " AND id < 100000");
        sql.add("DELETE FROM e2e_items WHERE id % 13 = " + random.nextInt(13));
        sql.add("UPDATE e2e_items SET name = NULL, active = NOT active WHERE id % 17 = " + random.nextInt(17));
        sql.add("UPDATE e2e_items SET grp = " + random.nextInt(6) + " WHERE id % 19 = " + random.nextInt(19));
        if (round == 4) {
            sql.add("TRUNCATE e2e_events");
        }
        sql.add(insertEvents(5 + random.nextInt(20)));
        sql.add(insertEvents(5)); // identical rows again: duplicates in a keyless table
        sql.add("DELETE FROM e2e_events WHERE ctid IN (SELECT ctid FROM e2e_events WHERE val < 50 LIMIT 4)");
        sql.add("UPDATE e2e_events SET val = val + 1 WHERE kind = 'k" + random.nextInt(3) + "'");
        sql.add("UPDATE \"Odd \"\"Src\"\"\" SET \"Mixed Case\" = \"Mixed Case\" + 1000, v = v || '!' WHERE \"Mixed Case\" % 5 = "
                + random.nextInt(5) + " AND \"Mixed Case\" < 1000");
        return sql;
    }

    private String maybeNull(String value) {
        return random.nextInt(10) == 0 ? "NULL" : value;
    }
}
