package dev.trickle.source;

import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random DML on orders/bag from two sessions whose transactions interleave, stay open across ticks,
 * and sometimes roll back. Each session owns its own key range, so that they never wait on each other.
 */
final class RandomWriter {
    private RandomWriter() {
    }

    static void run(String url, int steps, long seed) {
        Random random = new Random(seed);
        try (Connection a = EmbeddedPg.connect(url); Connection b = EmbeddedPg.connect(url)) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            Connection[] sessions = {a, b};
            for (int i = 0; i < steps; i++) {
                int which = random.nextInt(2);
                step(sessions[which], which * 1000, random);
                Thread.sleep(random.nextInt(4));
            }
            a.commit();
            b.commit();
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void step(Connection c, int base, Random random) throws SQLException {
        try (Statement s = c.createStatement()) {
            int id = base + random.nextInt(40);
            int a = base + random.nextInt(5);
            switch (random.nextInt(6)) {
                case 0 -> s.execute("INSERT INTO orders VALUES (" + id + ", 'n" + random.nextInt(9) + "') ON CONFLICT DO NOTHING");
                case 1 -> s.execute("UPDATE orders SET note = 'u" + random.nextInt(9) + "' WHERE id = " + id);
                case 2 -> s.execute("UPDATE orders SET id = id + 40 WHERE id = " + id
                        + " AND NOT EXISTS (SELECT 1 FROM orders WHERE id = " + (id + 40) + ")");
                case 3 -> s.execute("DELETE FROM orders WHERE id = " + id);
                case 4 -> s.execute("INSERT INTO bag SELECT " + a + ", 'x' FROM generate_series(1, " + (1 + random.nextInt(3)) + ")");
                default -> s.execute("DELETE FROM bag WHERE ctid IN (SELECT ctid FROM bag WHERE a = " + a + " LIMIT 1)");
            }
        }
        int end = random.nextInt(10);
        if (end < 4) {
            c.commit();
        } else if (end < 5) {
            c.rollback();
        }
    }

    /** The table as a multiset of rows written like the harness writes rows ("{a=1, b=x}"). */
    static Map<String, Long> table(String url, String table) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getString(i));
                }
                out.merge(row.toString(), 1L, Long::sum);
            }
        }
        return out;
    }

    /** Sum of the signed change rows of all ticks on one topic; no row may ever go below zero. */
    static Map<String, Long> sum(List<TaskHarness.Tick> ticks, String topic) {
        Map<String, Long> out = new HashMap<>();
        for (TaskHarness.Tick t : ticks) {
            for (int i = 0; i < t.records.size(); i++) {
                if (t.records.get(i).topic().equals(topic) && t.decoded.get(i) instanceof ChangeRecord.Row row) {
                    long n = out.merge(row.values().toString(), (long) row.weight(), Long::sum);
                    if (n < 0) {
                        throw new AssertionError("row " + row.values() + " retracted more often than inserted at tick " + t.tick);
                    }
                }
            }
        }
        out.values().removeIf(n -> n == 0);
        return out;
    }
}
