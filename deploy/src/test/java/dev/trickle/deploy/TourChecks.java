package dev.trickle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.cli.Deadline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The README's five-minute tour as a check against a running stack, whatever started it: a stream table over a
 * table with rows, then the tour's writes, and after each step the stream table equals its query.
 */
final class TourChecks {
    static final String QUERY = "SELECT id, customer_id, amount, upper(status) AS status FROM orders WHERE amount >= 250";

    interface ConnectionSource {
        Connection get() throws SQLException;
    }

    private final ConnectionSource db;
    private final Duration timeout;

    TourChecks(ConnectionSource db, Duration timeout) {
        this.db = db;
        this.timeout = timeout;
    }

    void run() throws Exception {
        exec("CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2), status text)",
                "INSERT INTO orders SELECT g, g % 50, (g % 300) + 0.99, CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END "
                        + "FROM generate_series(1, 2000) g",
                "SELECT pgtrickle.create_stream_table('big_orders', $$" + QUERY + "$$)");
        await("stream table big_orders ACTIVE", () -> "ACTIVE".equals(one(
                "SELECT status FROM pgtrickle.pgt_status() WHERE name = 'public.big_orders'")));
        assertEqualToQuery();
        exec("UPDATE orders SET amount = amount + 100 WHERE customer_id = 7",
                "UPDATE orders SET id = id + 100000 WHERE id % 1000 = 0",
                "DELETE FROM orders WHERE status = 'paid' AND amount > 290",
                "INSERT INTO orders VALUES (50001, 1, 999, 'open')");
        long target = Long.parseLong(one("SELECT coalesce(max(tick_id), 0) FROM pgtrickle.pgt_ticks")) + 2;
        await("big_orders at tick " + target + " (after the writes)", () -> Long.parseLong(one(
                "SELECT coalesce(last_tick, -1) FROM pgtrickle.pgt_status() WHERE name = 'public.big_orders'")) >= target);
        assertEqualToQuery();
    }

    /** The main oracle: the stream table equals its query (EXCEPT ALL both ways is empty). */
    void assertEqualToQuery() throws SQLException {
        List<String> diff = rows("(TABLE big_orders EXCEPT ALL " + QUERY + ") UNION ALL (" + QUERY
                + " EXCEPT ALL TABLE big_orders)");
        assertEquals(List.of(), diff, "big_orders equals its query");
        assertEquals(one("SELECT count(*) FROM (" + QUERY + ") q"), one("SELECT count(*) FROM big_orders"));
    }

    interface Condition {
        boolean holds() throws SQLException;
    }

    private void await(String what, Condition c) throws TimeoutException, InterruptedException {
        Deadline.in(timeout).await(what, () -> {
            try {
                return c.holds() ? Boolean.TRUE : null;
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    private void exec(String... sql) throws SQLException {
        try (Connection c = db.get(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private String one(String sql) throws SQLException {
        List<String> r = rows(sql);
        return r.isEmpty() ? null : r.get(0);
    }

    private List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.get(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
