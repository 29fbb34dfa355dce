package dev.trickle.streams.tpch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.TpchAccess;
import dev.trickle.streams.rows.ZSet;
import dev.trickle.streams.sql.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The multi-tick oracle of {@code TickOracle}, made cheap for TPC-H: the pipeline's state lives across ticks
 * and after the initial fill and after every tick its accumulated output must equal PostgreSQL's result of
 * the query (PgOracle: multiset equality on values and on text). Two shortcuts, both exact for the refresh
 * functions: the initial tables are read once and shared by all queries (each check is rolled back), and a
 * tick's delta is the multiset difference of the orders and line items with the round's order keys before
 * and after the round (RF1 and RF2 touch nothing else; {@link TpchFixtureTest} checks that this equals the
 * difference of whole-table snapshots).
 */
final class TpchTicks {
    /** One tick: a refresh round's statements and the keys of the orders they insert or delete. */
    record Tick(List<String> statements, Set<Integer> orderKeys) {
    }

    /** Milliseconds spent on the initial fill (pipeline and comparison) and on all ticks. */
    record Timing(long fillMillis, long ticksMillis) {
    }

    private final TpchAccess access;
    private Map<String, ZSet<Map<String, String>>> initial;

    TpchTicks(TpchAccess access) {
        this.access = access;
    }

    Timing check(String query, CompiledQuery compiled, List<Tick> ticks) throws Exception {
        Connection connection = access.connection();
        try {
            assertEquals(access.columnNames(query), compiled.outputColumns(), "column names");
            long start = System.nanoTime();
            InMemoryStateBackend state = new InMemoryStateBackend();
            ZSet<List<String>> content = new ZSet<>();
            Map<String, ZSet<Map<String, String>>> fill = new HashMap<>();
            for (SourceTable t : compiled.sources()) {
                fill.put(t.qualifiedName(), new ZSet<Map<String, String>>().addAll(initial().get(t.qualifiedName())));
            }
            content.addAll(compiled.pipeline().apply(fill, state));
            assertNull(access.difference(query, content), "after the initial fill");
            long filled = System.nanoTime();
            int n = 1;
            for (Tick tick : ticks) {
                n++;
                Map<String, ZSet<Map<String, String>>> before = orders(tick.orderKeys());
                try (Statement s = connection.createStatement()) {
                    for (String sql : tick.statements()) {
                        s.execute(sql);
                    }
                }
                Map<String, ZSet<Map<String, String>>> delta = orders(tick.orderKeys());
                before.forEach((table, rows) -> rows.forEach((row, w) -> delta.get(table).add(row, -w)));
                delta.values().removeIf(ZSet::isEmpty);
                content.addAll(compiled.pipeline().apply(delta, state));
                assertNull(access.difference(query, content), "tick " + n + " (orders " + tick.orderKeys() + ")");
            }
            return new Timing((filled - start) / 1_000_000, (System.nanoTime() - filled) / 1_000_000);
        } finally {
            connection.rollback();
        }
    }

    /** Every row of every table as loaded, keyed like the pipeline's sources ("public.lineitem"). */
    synchronized Map<String, ZSet<Map<String, String>>> initial() throws SQLException {
        if (initial == null) {
            Map<String, ZSet<Map<String, String>>> out = new HashMap<>();
            for (String table : TpchSchema.TABLES) {
                try (Statement s = access.connection().createStatement();
                     ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    out.put("public." + table, rows(rs));
                }
            }
            initial = out;
        }
        return initial;
    }

    /** The orders and line items with these order keys now. */
    Map<String, ZSet<Map<String, String>>> orders(Set<Integer> keys) throws SQLException {
        Map<String, ZSet<Map<String, String>>> out = new HashMap<>();
        Integer[] array = keys.toArray(Integer[]::new);
        for (String[] t : new String[][] {{"orders", "o_orderkey"}, {"lineitem", "l_orderkey"}}) {
            try (PreparedStatement ps = access.connection().prepareStatement(
                    "SELECT * FROM " + t[0] + " WHERE " + t[1] + " = ANY (?)")) {
                ps.setArray(1, access.connection().createArrayOf("integer", array));
                try (ResultSet rs = ps.executeQuery()) {
                    out.put("public." + t[0], rows(rs));
                }
            }
        }
        return out;
    }

    /** Rows as the pipeline takes them: column name to PostgreSQL's text (TickOracle's snapshot form). */
    static ZSet<Map<String, String>> rows(ResultSet rs) throws SQLException {
        ZSet<Map<String, String>> rows = new ZSet<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 1; i <= n; i++) {
                row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
            }
            rows.add(row, 1);
        }
        return rows;
    }
}
