package dev.trickle.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The benchmark's data: a fact table {@code orders} (1,000,000 rows by default) and two dimensions sized
 * like TPC-H's ratios ({@code customers}: one per ten orders; {@code products}: one per hundred), all made
 * by {@code generate_series} with deterministic values. Each tick changes 0.1% of every table in one
 * transaction: orders get updates, inserts and deletes; customers and products get updates (which fan out
 * through the joins).
 */
final class Workload {
    static final String[] NATIONS = {"ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE",
        "GERMANY", "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO", "MOZAMBIQUE", "PERU",
        "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES"};
    static final String[] SEGMENTS = {"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"};
    static final String[] STATUSES = {"open", "paid", "shipped", "delivered", "returned"};
    static final int CATEGORIES = 20;

    final int orders;
    final int customers;
    final int products;
    /** Changed rows of the fact table per tick (0.1% of it by default). */
    final int changes;
    private final Random random;
    private final BitSet live = new BitSet();
    private long nextId;

    /** What one tick's transaction did. */
    record TickDml(double millis, int updated, int inserted, int deleted, int customersUpdated, int productsUpdated) {
        int factRowsChanged() {
            return updated + inserted + deleted;
        }
    }

    Workload(int orders, int customers, int products, int changes, long seed) {
        this.orders = orders;
        this.customers = customers;
        this.products = products;
        this.changes = changes;
        this.random = new Random(seed);
    }

    /** Creates and fills the three tables (dropping earlier ones of the same names), then ANALYZE. */
    void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, customers, products CASCADE");
            s.execute("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, nation text NOT NULL, "
                    + "segment text NOT NULL)");
            s.execute("INSERT INTO customers SELECT g, 'Customer#' || lpad(g::text, 9, '0'), "
                    + "(" + array(NATIONS) + ")[1 + g % 25], (" + array(SEGMENTS) + ")[1 + (g / 25) % 5] "
                    + "FROM generate_series(1, " + customers + ") g");
            s.execute("CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text NOT NULL, "
                    + "price numeric(10,2) NOT NULL)");
            s.execute("INSERT INTO products SELECT g, 'Product#' || lpad(g::text, 7, '0'), "
                    + "'category-' || lpad((1 + g % " + CATEGORIES + ")::text, 2, '0'), "
                    + "((g * 7907::bigint) % 100000) / 100.0 FROM generate_series(1, " + products + ") g");
            s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, product_id int NOT NULL, "
                    + "quantity int NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL, ordered_at date NOT NULL)");
            s.execute("INSERT INTO orders SELECT g, 1 + (g * 7919::bigint) % " + customers + ", "
                    + "1 + (g * 104729::bigint) % " + products + ", 1 + (g * 13) % 50, "
                    + "((g * 2654435761::bigint) % 100000) / 100.0, (" + array(STATUSES) + ")[1 + (g * 31) % 5], "
                    + "date '2023-01-01' + ((g * 17) % 730)::int FROM generate_series(1, " + orders + ") g");
            s.execute("VACUUM ANALYZE customers");
            s.execute("VACUUM ANALYZE products");
            s.execute("VACUUM ANALYZE orders");
        }
        live.set(1, orders + 1);
        nextId = orders + 1L;
    }

    /**
     * One tick's DML in one transaction: {@code changes} fact rows (half updated, a quarter inserted, a
     * quarter deleted; one update in ten also moves the order to another customer and product) and the same
     * fraction of each dimension updated (nation and segment; category and price).
     */
    TickDml tick(Connection c) throws SQLException {
        int updates = changes / 2;
        int inserts = changes / 4;
        int deletes = changes - updates - inserts;
        List<Long> picked = pickLive(updates + deletes);
        List<Long> updated = picked.subList(0, updates);
        List<Long> deleted = picked.subList(updates, picked.size());
        int customersChanged = dimensionChanges(customers);
        int productsChanged = dimensionChanges(products);
        List<String> sql = new ArrayList<>();
        if (!updated.isEmpty()) {
            StringJoiner values = new StringJoiner(", ");
            boolean first = true;
            for (long id : updated) {
                boolean move = random.nextInt(10) == 0;
                String cust = move ? String.valueOf(1 + random.nextInt(customers)) : "NULL";
                String prod = move ? String.valueOf(1 + random.nextInt(products)) : "NULL";
                values.add(first
                        ? "(" + id + "::bigint, " + amount() + "::numeric, '" + status() + "'::text, " + cust + "::int, " + prod + "::int)"
                        : "(" + id + ", " + amount() + ", '" + status() + "', " + cust + ", " + prod + ")");
                first = false;
            }
            sql.add("UPDATE orders o SET amount = v.amount, status = v.status, "
                    + "customer_id = coalesce(v.customer_id, o.customer_id), product_id = coalesce(v.product_id, o.product_id) "
                    + "FROM (VALUES " + values + ") AS v(id, amount, status, customer_id, product_id) WHERE o.id = v.id");
        }
        if (inserts > 0) {
            StringJoiner values = new StringJoiner(", ");
            for (int i = 0; i < inserts; i++) {
                long id = nextId++;
                live.set((int) id);
                values.add("(" + id + ", " + (1 + random.nextInt(customers)) + ", " + (1 + random.nextInt(products)) + ", "
                        + (1 + random.nextInt(50)) + ", " + amount() + ", '" + status() + "', date '2025-01-01' + "
                        + random.nextInt(365) + ")");
            }
            sql.add("INSERT INTO orders VALUES " + values);
        }
        if (!deleted.isEmpty()) {
            StringJoiner ids = new StringJoiner(", ");
            for (long id : deleted) {
                live.clear((int) id);
                ids.add(String.valueOf(id));
            }
            sql.add("DELETE FROM orders WHERE id IN (" + ids + ")");
        }
        StringJoiner cust = new StringJoiner(", ");
        boolean first = true;
        for (int id : distinct(customersChanged, customers)) {
            String nation = NATIONS[random.nextInt(NATIONS.length)];
            String segment = SEGMENTS[random.nextInt(SEGMENTS.length)];
            cust.add(first ? "(" + id + ", '" + nation + "'::text, '" + segment + "'::text)"
                    : "(" + id + ", '" + nation + "', '" + segment + "')");
            first = false;
        }
        sql.add("UPDATE customers c SET nation = v.nation, segment = v.segment FROM (VALUES " + cust
                + ") AS v(id, nation, segment) WHERE c.id = v.id");
        StringJoiner prod = new StringJoiner(", ");
        first = true;
        for (int id : distinct(productsChanged, products)) {
            String category = String.format(Locale.ROOT, "category-%02d", 1 + random.nextInt(CATEGORIES));
            prod.add(first ? "(" + id + ", '" + category + "'::text, " + price() + "::numeric)"
                    : "(" + id + ", '" + category + "', " + price() + ")");
            first = false;
        }
        sql.add("UPDATE products p SET category = v.category, price = v.price FROM (VALUES " + prod
                + ") AS v(id, category, price) WHERE p.id = v.id");

        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new TickDml(ms, updated.size(), inserts, deleted.size(), customersChanged, productsChanged);
    }

    /** Rows of a dimension changed per tick: the same fraction as the fact table's (0.1% by default), at least one. */
    int dimensionChanges(int dimensionRows) {
        return dimensionChanges(dimensionRows, changes, orders);
    }

    static int dimensionChanges(int dimensionRows, int factChanges, int factRows) {
        return (int) Math.max(1, Math.round((double) dimensionRows * factChanges / factRows));
    }

    private List<Long> pickLive(int n) {
        Set<Long> out = new LinkedHashSet<>();
        while (out.size() < n) {
            long id = 1 + (long) (random.nextDouble() * (nextId - 1));
            if (live.get((int) id)) {
                out.add(id);
            }
        }
        return new ArrayList<>(out);
    }

    private Set<Integer> distinct(int n, int bound) {
        Set<Integer> out = new LinkedHashSet<>();
        while (out.size() < Math.min(n, bound)) {
            out.add(1 + random.nextInt(bound));
        }
        return out;
    }

    private String amount() {
        return String.format(Locale.ROOT, "%.2f", random.nextInt(100_000) / 100.0);
    }

    private String price() {
        return String.format(Locale.ROOT, "%.2f", 1 + random.nextInt(99_900) / 100.0);
    }

    private String status() {
        return STATUSES[random.nextInt(STATUSES.length)];
    }

    private static String array(String[] values) {
        StringJoiner j = new StringJoiner(", ", "ARRAY[", "]");
        for (String v : values) {
            j.add("'" + v + "'");
        }
        return j.toString();
    }
}
