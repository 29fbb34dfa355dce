package dev.trickle.streams.tpch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.streams.rows.ZSet;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.validate.SqlConformanceEnum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The TPC-H fixture itself: the data, the refresh functions and the 22 queries, on PostgreSQL and Calcite's parser. */
class TpchFixtureTest {
    static IntStream queries() {
        return TpchQueries.numbers();
    }

    @Test
    void tablesHaveTheSpecsShape() throws Exception {
        TpchDatabase db = TpchDatabase.get();
        Map<String, Integer> counts = db.rowCounts;
        System.out.printf("TPC-H at SF %s: %s, loaded in %d ms%n", db.data.scaleFactor(), counts, db.loadMillis);
        assertEquals(TpchSchema.TABLES, List.copyOf(counts.keySet()));
        assertEquals(5, counts.get("region"));
        assertEquals(25, counts.get("nation"));
        assertEquals(4 * counts.get("part"), counts.get("partsupp"));
        assertEquals(10 * counts.get("customer"), counts.get("orders"));
        assertTrue(counts.get("lineitem") > 3 * counts.get("orders") && counts.get("lineitem") < 5 * counts.get("orders"),
                "about 4 line items per order: " + counts);
        Connection c = db.access.connection();
        // the spec's consistency rules: order status from line status, flags from dates, totals from line items
        assertEquals(0, count(c, "SELECT count(*) FROM lineitem WHERE (l_linestatus = 'O') <> (l_shipdate > date '1995-06-17')"
                + " OR (l_returnflag = 'N') <> (l_receiptdate > date '1995-06-17')"
                + " OR l_shipdate <= (SELECT o_orderdate FROM orders WHERE o_orderkey = l_orderkey)"));
        assertEquals(0, count(c, "SELECT count(*) FROM orders WHERE o_orderstatus <> (SELECT CASE"
                + " WHEN bool_and(l_linestatus = 'F') THEN 'F' WHEN bool_and(l_linestatus = 'O') THEN 'O' ELSE 'P' END"
                + " FROM lineitem WHERE l_orderkey = o_orderkey)"));
        assertEquals(0, count(c, "SELECT count(*) FROM orders WHERE abs(o_totalprice"
                + " - (SELECT sum(l_extendedprice * (1 + l_tax)"
                + " * (1 - l_discount)) FROM lineitem WHERE l_orderkey = o_orderkey)) > 0.01"));
        assertEquals(0, count(c, "SELECT count(*) FROM lineitem WHERE NOT EXISTS (SELECT FROM partsupp"
                + " WHERE ps_partkey = l_partkey AND ps_suppkey = l_suppkey)"));
        c.rollback();
    }

    @Test
    void generationIsDeterministic() {
        TpchRows.Inserts a = new TpchRows.Inserts();
        TpchRows.Inserts b = new TpchRows.Inserts();
        TpchRows.Inserts other = new TpchRows.Inserts();
        new TpchData(0.001, 7).generate(a);
        new TpchData(0.001, 7).generate(b);
        new TpchData(0.001, 8).generate(other);
        assertEquals(a.statements(), b.statements());
        assertFalse(a.statements().equals(other.statements()));
        TpchRefresh rf = new TpchRefresh(new TpchData(0.001, 7));
        assertEquals(rf.rounds(4), new TpchRefresh(new TpchData(0.001, 7)).rounds(4));
    }

    @Test
    void refreshFunctionsInsertAndDeleteWholeOrders() throws Exception {
        TpchDatabase db = TpchDatabase.get();
        TpchRefresh rf = new TpchRefresh(db.data);
        int k = rf.ordersPerCall();
        Connection c = db.access.connection();
        try (Statement s = c.createStatement()) {
            long orders = count(c, "SELECT count(*) FROM orders");
            for (List<String> round : rf.rounds(4)) {
                for (String sql : round) {
                    s.execute(sql);
                }
            }
            // rounds 1-4 run RF1 #1-3 and RF2 #1-3
            assertEquals(orders, count(c, "SELECT count(*) FROM orders"));
            assertEquals(3L * k, count(c, "SELECT count(*) FROM orders WHERE (o_orderkey - 1) % 32 >= 8"));
            assertEquals(0, count(c, "SELECT count(*) FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders)"));
            assertEquals(0, count(c, "SELECT count(*) FROM orders WHERE o_orderkey NOT IN (SELECT l_orderkey FROM lineitem)"));
        } finally {
            c.rollback();
        }
    }

    /** TpchTicks reads a round's delta by order key: that must be the difference of whole-table snapshots. */
    @Test
    void deltasByOrderKeyAreTheWholeTableDifferences() throws Exception {
        TpchDatabase db = TpchDatabase.get();
        Connection c = db.access.connection();
        try (Statement s = c.createStatement()) {
            Map<String, ZSet<Map<String, String>>> before = snapshot(c);
            for (TpchTicks.Tick tick : new TpchRefresh(db.data).ticks(TpchRatchetTest.ROUNDS)) {
                Map<String, ZSet<Map<String, String>>> byKeyBefore = db.ticks.orders(tick.orderKeys());
                for (String sql : tick.statements()) {
                    s.execute(sql);
                }
                Map<String, ZSet<Map<String, String>>> after = snapshot(c);
                Map<String, ZSet<Map<String, String>>> byKey = db.ticks.orders(tick.orderKeys());
                for (String table : TpchSchema.TABLES) {
                    ZSet<Map<String, String>> whole = new ZSet<Map<String, String>>().addAll(after.get(table));
                    before.get(table).forEach((row, w) -> whole.add(row, -w));
                    ZSet<Map<String, String>> keyed = new ZSet<>();
                    if (byKey.containsKey("public." + table)) {
                        keyed.addAll(byKey.get("public." + table));
                        byKeyBefore.get("public." + table).forEach((row, w) -> keyed.add(row, -w));
                    }
                    assertEquals(whole.asMap(), keyed.asMap(), table + " in " + tick.orderKeys());
                    assertEquals(table.equals("orders") || table.equals("lineitem"), !whole.isEmpty(), table);
                }
                before = after;
            }
        } finally {
            c.rollback();
        }
    }

    private static Map<String, ZSet<Map<String, String>>> snapshot(Connection c) throws Exception {
        Map<String, ZSet<Map<String, String>>> out = new HashMap<>();
        for (String table : TpchSchema.TABLES) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                out.put(table, TpchTicks.rows(rs));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "Q{0} parses with Calcite's babel parser")
    @MethodSource("queries")
    void queryParses(int n) throws Exception {
        SqlParser.Config config = SqlParser.config().withParserFactory(SqlBabelParserImpl.FACTORY)
                .withConformance(SqlConformanceEnum.BABEL).withUnquotedCasing(Casing.TO_LOWER);
        SqlParser.create(TpchQueries.query(n, TpchData.DEFAULT_SF), config).parseQuery();
    }

    /**
     * Every query runs on PostgreSQL and has rows, with a value in each column, at the start and after
     * every refresh round, and (on the default data set) the rounds change the result of every query that
     * reads orders or line items.
     */
    @ParameterizedTest(name = "Q{0} has rows on PostgreSQL")
    @MethodSource("queries")
    void queryHasRowsAtEveryTick(int n) throws Exception {
        TpchDatabase db = TpchDatabase.get();
        String query = TpchQueries.query(n, db.data.scaleFactor());
        Connection c = db.access.connection();
        try (Statement s = c.createStatement()) {
            List<List<String>> previous = rows(c, query, n, "the initial data");
            int changes = 0;
            int tick = 1;
            for (List<String> round : new TpchRefresh(db.data).rounds(TpchRatchetTest.ROUNDS)) {
                for (String sql : round) {
                    s.execute(sql);
                }
                List<List<String>> now = rows(c, query, n, "tick " + ++tick);
                changes += now.equals(previous) ? 0 : 1;
                previous = now;
            }
            System.out.printf("Q%d: %d rows, changed by %d of %d refresh rounds%n", n, previous.size(), changes,
                    TpchRatchetTest.ROUNDS);
            // Q2, Q11 and Q16 read neither orders nor line items, which are all the refresh functions change;
            // at other scales and seeds, random rows may hide a planted change (or plants may be left out)
            if (!Set.of(2, 11, 16).contains(n) && db.data.isDefault()) {
                assertTrue(changes > 0, "the refresh rounds do not change Q" + n + "'s result");
            }
        } finally {
            c.rollback();
        }
    }

    private static List<List<String>> rows(Connection c, String query, int n, String when) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM (" + query + ") q ORDER BY q::text")) {
            ResultSetMetaData md = rs.getMetaData();
            boolean[] seen = new boolean[md.getColumnCount()];
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 0; i < seen.length; i++) {
                    row.add(rs.getString(i + 1));
                    seen[i] |= rs.getString(i + 1) != null;
                }
                out.add(row);
            }
            for (int i = 0; i < seen.length; i++) {
                assertTrue(seen[i], "Q" + n + " has no value in column " + md.getColumnName(i + 1) + " on " + when
                        + " (" + out.size() + " rows)");
            }
        }
        return out;
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
