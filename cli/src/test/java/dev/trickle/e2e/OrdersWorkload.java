package dev.trickle.e2e;

import static dev.trickle.e2e.Invariants.dec;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Customers and their orders, always changed together: a new customer comes with its orders in one
 * transaction, a customer goes with all its orders, an order moves between two customers, an amount
 * changes; each customer row carries how many orders it has and their total. Stream tables: orders
 * left-joined to their customer, per customer its orders counted and summed through a join, and the
 * overall count and sum of orders and of the customers' own figures.
 *
 * <p>On every poll: no order without its customer (the join never shows half a transaction), every
 * customer's counted orders equal its own figures (the aggregate never counts half a transaction). At
 * every tick seen in several stream tables: all four agree on the number and sum of orders.
 */
final class OrdersWorkload extends Workload {
    private static final int INITIAL_CUSTOMERS = 30;
    private final int writerCount;
    private final int paceMs;
    /** Also the two overall sums (false: the join and the per-customer aggregate only, for a lighter stack). */
    private final boolean withSums;
    private final String customers;
    private final String orders;
    final String lines;
    final String perCustomer;
    final String orderSum;
    final String customerSum;
    private final Invariants.TickRecorder ticks;
    private final AtomicInteger nextId = new AtomicInteger(1_000);

    OrdersWorkload(String prefix, Invariants.Violations violations, int writers, int paceMs) {
        this(prefix, violations, writers, paceMs, true);
    }

    OrdersWorkload(String prefix, Invariants.Violations violations, int writers, int paceMs, boolean withSums) {
        super(prefix, violations);
        this.writerCount = writers;
        this.paceMs = paceMs;
        this.withSums = withSums;
        this.customers = t("customers");
        this.orders = t("orders");
        this.lines = t("lines");
        this.perCustomer = t("per_customer");
        this.orderSum = t("order_sum");
        this.customerSum = t("customer_sum");
        this.ticks = new Invariants.TickRecorder(prefix, violations, this::crossCheck);
    }

    String linesQuery() {
        return "SELECT o.id AS order_id, o.amount, c.id AS customer_id, c.name FROM " + orders + " o LEFT JOIN "
                + customers + " c ON c.id = o.customer_id";
    }

    String perCustomerQuery() {
        return "SELECT c.id, c.n_orders, c.total, count(o.id) AS cnt, sum(o.amount) AS amt FROM " + customers
                + " c LEFT JOIN " + orders + " o ON o.customer_id = c.id GROUP BY c.id, c.n_orders, c.total";
    }

    String orderSumQuery() {
        return "SELECT count(*) AS n, sum(amount) AS amt FROM " + orders;
    }

    String customerSumQuery() {
        return "SELECT sum(n_orders) AS n, sum(total) AS amt FROM " + customers;
    }

    @Override
    List<String> setupSql() {
        return List.of(
                "CREATE TABLE " + customers + " (id int PRIMARY KEY, name text NOT NULL, n_orders int NOT NULL, "
                        + "total numeric(12,2) NOT NULL)",
                "CREATE TABLE " + orders + " (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL)",
                "INSERT INTO " + customers + " SELECT g, 'customer ' || g, 2, 2 * (g + 0.50) FROM generate_series(1, "
                        + INITIAL_CUSTOMERS + ") g",
                "INSERT INTO " + orders + " SELECT 2 * g + k, g, g + 0.50 FROM generate_series(1, " + INITIAL_CUSTOMERS
                        + ") g, generate_series(0, 1) k");
    }

    @Override
    List<String> streamTableSql() {
        List<String> out = new ArrayList<>(List.of(createSql(lines, linesQuery()), createSql(perCustomer, perCustomerQuery())));
        if (withSums) {
            out.addAll(List.of(createSql(orderSum, orderSumQuery()), createSql(customerSum, customerSumQuery())));
        }
        return out;
    }

    @Override
    List<String> streamTables() {
        return withSums ? List.of("public." + lines, "public." + perCustomer, "public." + orderSum, "public." + customerSum)
                : List.of("public." + lines, "public." + perCustomer);
    }

    @Override
    List<Writer> writers() {
        List<Writer> out = new ArrayList<>();
        for (int i = 0; i < writerCount; i++) {
            out.add(new Writer(prefix + "-orders-" + i, this::change, paceMs));
        }
        return out;
    }

    private void change(Connection c, Random r, LoadRunner.Ctx ctx) throws SQLException {
        int kind = r.nextInt(10);
        if (kind < 3) {
            newCustomer(c, r);
        } else if (kind < 5) {
            Integer id = lockCustomer(c, r);
            if (id != null) {
                update(c, "DELETE FROM " + orders + " WHERE customer_id = ?", id);
                update(c, "DELETE FROM " + customers + " WHERE id = ?", id);
            }
        } else if (kind < 8) {
            moveOrder(c, r);
        } else {
            Integer id = lockCustomer(c, r);
            if (id != null) {
                // every order of the customer gets 1.25 more; the customer's total follows
                int n = update(c, "UPDATE " + orders + " SET amount = amount + 1.25 WHERE customer_id = ?", id);
                update(c, "UPDATE " + customers + " SET total = total + 1.25 * " + n + " WHERE id = ?", id);
            }
        }
        c.commit();
    }

    private void newCustomer(Connection c, Random r) throws SQLException {
        int id = nextId.incrementAndGet();
        int k = 1 + r.nextInt(4);
        BigDecimal total = BigDecimal.ZERO;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + orders + " VALUES (?, ?, ?)")) {
            for (int i = 0; i < k; i++) {
                BigDecimal amount = BigDecimal.valueOf(100 + r.nextInt(100_000), 2);
                total = total.add(amount);
                ps.setInt(1, nextId.incrementAndGet());
                ps.setInt(2, id);
                ps.setBigDecimal(3, amount);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + customers + " VALUES (?, ?, ?, ?)")) {
            ps.setInt(1, id);
            ps.setString(2, "customer " + id);
            ps.setInt(3, k);
            ps.setBigDecimal(4, total);
            ps.executeUpdate();
        }
    }

    /** One order moves from one customer to another; both customers are locked first. */
    private void moveOrder(Connection c, Random r) throws SQLException {
        Integer x = lockCustomer(c, r);
        if (x == null) {
            return;
        }
        Integer y = lockCustomer(c, r);
        if (y == null || y.equals(x)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("WITH moved AS (UPDATE " + orders + " SET customer_id = ? "
                + "WHERE id = (SELECT id FROM " + orders + " WHERE customer_id = ? ORDER BY id LIMIT 1) RETURNING amount) "
                + "SELECT amount FROM moved")) {
            ps.setInt(1, y);
            ps.setInt(2, x);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                BigDecimal amount = rs.getBigDecimal(1);
                adjust(c, x, -1, amount.negate());
                adjust(c, y, 1, amount);
            }
        }
    }

    private void adjust(Connection c, int customer, int orders, BigDecimal amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + customers
                + " SET n_orders = n_orders + ?, total = total + ? WHERE id = ?")) {
            ps.setInt(1, orders);
            ps.setBigDecimal(2, amount);
            ps.setInt(3, customer);
            ps.executeUpdate();
        }
    }

    /**
     * Locks an existing customer (FOR UPDATE: whoever changes its orders holds it, so a customer's figures
     * and its orders change together); null when the random pick found none. The second lock of a
     * transaction may wait for, or deadlock with, another writer: PostgreSQL resolves it, the runner retries.
     */
    private Integer lockCustomer(Connection c, Random r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + customers
                + " WHERE id >= ? ORDER BY id LIMIT 1 FOR UPDATE")) {
            ps.setInt(1, r.nextInt(Math.max(1, nextId.get())));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    private static int update(Connection c, String sql, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, id);
            return ps.executeUpdate();
        }
    }

    /** Order count and sum as one stream table shows them at one tick. */
    record Totals(long n, BigDecimal amount) {
        static Totals parse(String s) {
            String[] p = s.split(":");
            return new Totals(Long.parseLong(p[0]), dec(p[1]).stripTrailingZeros());
        }
    }

    @Override
    void poll(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT "
                + lastTick(lines) + ", (SELECT count(*) FILTER (WHERE customer_id IS NULL) || ':' || count(*) || ':' "
                + "|| coalesce(sum(amount), 0) FROM " + lines + "), "
                + lastTick(perCustomer) + ", (SELECT count(*) FILTER (WHERE cnt <> n_orders OR coalesce(amt, 0) <> total) "
                + "|| ':' || coalesce(sum(cnt), 0) || ':' || coalesce(sum(amt), 0) FROM " + perCustomer + "), "
                + (withSums ? lastTick(orderSum) + ", (SELECT n || ':' || coalesce(amt, 0) FROM " + orderSum + "), "
                        + lastTick(customerSum) + ", (SELECT coalesce(n, 0) || ':' || coalesce(amt, 0) FROM " + customerSum + "), "
                        : "NULL, NULL, NULL, NULL, ")
                + "(SELECT string_agg(id || ' has ' || n_orders || '/' || total || ' but counts ' || cnt || '/' || "
                + "coalesce(amt, 0), '; ') FROM (SELECT * FROM " + perCustomer + " WHERE cnt <> n_orders OR "
                + "coalesce(amt, 0) <> total LIMIT 3) bad)")) {
            rs.next();
            Long tickL = tick(rs, 1);
            Long tickP = tick(rs, 3);
            Long tickO = tick(rs, 5);
            Long tickC = tick(rs, 7);
            if (tickL != null) {
                String[] p = rs.getString(2).split(":", 2);
                if (!"0".equals(p[0])) {
                    violations.add(lines + " at tick " + tickL + " shows " + p[0] + " order(s) without their customer");
                }
                ticks.record(lines, tickL, Totals.parse(p[1]));
            }
            if (tickP != null) {
                String[] p = rs.getString(4).split(":", 2);
                if (!"0".equals(p[0])) {
                    violations.add(perCustomer + " at tick " + tickP + " counts half a transaction for " + p[0]
                            + " customer(s): " + rs.getString(9));
                }
                ticks.record(perCustomer, tickP, Totals.parse(p[1]));
            }
            if (tickO != null) {
                ticks.record(orderSum, tickO, Totals.parse(rs.getString(6)));
            }
            if (tickC != null) {
                ticks.record(customerSum, tickC, Totals.parse(rs.getString(8)));
            }
        }
    }

    private void crossCheck(long tick, Map<String, Object> at) {
        Object first = null;
        String firstName = null;
        for (Map.Entry<String, Object> e : at.entrySet()) {
            if (first == null) {
                first = e.getValue();
                firstName = e.getKey();
            } else if (!Objects.equals(first, e.getValue())) {
                violations.add("at tick " + tick + ": " + firstName + " shows " + first + " orders but " + e.getKey()
                        + " shows " + e.getValue());
            }
        }
    }

    @Override
    void verify() throws Exception {
        E2eSupport.assertMatches("public." + lines, "*", linesQuery());
        E2eSupport.assertMatches("public." + perCustomer, "*", perCustomerQuery());
        if (withSums) {
            E2eSupport.assertMatches("public." + orderSum, "*", orderSumQuery());
            E2eSupport.assertMatches("public." + customerSum, "*", customerSumQuery());
        }
        String orphans = E2eSupport.one("SELECT count(*) FROM " + orders + " o WHERE NOT EXISTS "
                + "(SELECT 1 FROM " + customers + " c WHERE c.id = o.customer_id)");
        if (!"0".equals(orphans)) {
            violations.add("the source tables themselves hold " + orphans + " orphan orders (a bug in the test)");
        }
    }

    @Override
    String summary() {
        return prefix + " (orders and customers): ticks seen per stream table " + ticks.ticksSeen() + ", "
                + ticks.crossChecked() + " cross-checks of stream tables at the same tick";
    }
}
