package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The unique key the planner derives for a stream table (the sink applies by it, the delta topic is keyed by
 * it), over the query families, without a database. A key is named by its output columns; "-" is no key, and
 * "()" is at most one row.
 */
class UniqueKeysTest {
    private static final Map<String, SourceTable> TABLES = Map.of(
            // orders: primary key id
            "orders", new SourceTable("public", "orders", List.of(new SourceColumn("id", "integer"),
                    new SourceColumn("cust", "integer"), new SourceColumn("amount", "numeric(10,2)"),
                    new SourceColumn("region", "text")), List.of(List.of(0))),
            // customers: primary key id, unique (email) NOT NULL
            "customers", new SourceTable("public", "customers", List.of(new SourceColumn("id", "integer"),
                    new SourceColumn("name", "text"), new SourceColumn("email", "text")), List.of(List.of(0), List.of(2))),
            // lines: composite primary key (order_id, line_no)
            "lines", new SourceTable("public", "lines", List.of(new SourceColumn("order_id", "integer"),
                    new SourceColumn("line_no", "integer"), new SourceColumn("qty", "integer")), List.of(List.of(0, 1))),
            // log: no key
            "log", new SourceTable("public", "log", List.of(new SourceColumn("at", "integer"),
                    new SourceColumn("msg", "text"))));
    private static final SourceCatalog CATALOG = (schema, name) -> Optional.ofNullable(schema.equals("public") ? TABLES.get(name) : null);

    private static String key(String sql) throws Exception {
        CompiledQuery q = QueryCompiler.compile(sql, List.of("public"), CATALOG);
        return q.uniqueKeyColumns().map(k -> "(" + String.join(", ", k) + ")").orElse("-");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // a source's primary key passes through projections and filters, under its output name
            "SELECT * FROM orders | (id)",
            "SELECT region, id AS order_id, amount * 2 AS twice FROM orders WHERE amount > 10 | (order_id)",
            "SELECT order_id, line_no, qty FROM lines WHERE qty > 0 | (order_id, line_no)",
            // a key column that is not selected, or only through an expression (a cast may merge values), is lost
            "SELECT region, amount FROM orders | -",
            "SELECT id::text AS id, amount FROM orders | -",
            "SELECT order_id, qty FROM lines | -",
            // the shortest key wins; a NOT NULL unique index is a key too
            "SELECT email, name FROM customers | (email)",
            "SELECT * FROM log | -",
    })
    void sourceKeysPassThroughProjectionsAndFilters(String sql, String expected) throws Exception {
        assertEquals(expected, key(sql), sql);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "SELECT region, sum(amount) AS total FROM orders GROUP BY region | (region)",
            "SELECT count(*) AS n, region, cust FROM orders GROUP BY cust, region | (region, cust)",
            // a GROUP BY expression: the group is the key, whatever the expression
            "SELECT upper(region) AS r, count(*) AS n FROM orders GROUP BY upper(region) | (r)",
            // a grouped column not selected: no key
            "SELECT sum(amount) AS total FROM orders GROUP BY region | -",
            // without GROUP BY: one row
            "SELECT count(*) AS n, sum(amount) AS total FROM orders | ()",
            "SELECT DISTINCT region, cust FROM orders | (region, cust)",
            "SELECT region FROM orders UNION SELECT name FROM customers | (region)",
            "SELECT region FROM orders UNION ALL SELECT name FROM customers | -",
            "SELECT region FROM orders INTERSECT SELECT name FROM customers | (region)",
            "SELECT region FROM orders EXCEPT SELECT name FROM customers | (region)",
            // HAVING filters groups; ORDER BY/LIMIT keeps a subset
            "SELECT region, count(*) AS n FROM orders GROUP BY region HAVING count(*) > 2 | (region)",
            "SELECT id, amount FROM orders ORDER BY amount DESC LIMIT 10 | (id)",
            // ROLLUP's subtotal rows have NULLs like a real NULL group: no key
            "SELECT region, cust, count(*) AS n FROM orders GROUP BY ROLLUP (region, cust) | -",
            // a window adds columns to each row
            "SELECT id, rank() OVER (PARTITION BY region ORDER BY amount) AS r FROM orders | (id)",
    })
    void aggregatesAndSetOperationsHaveTheirGroupsAsKey(String sql, String expected) throws Exception {
        assertEquals(expected, key(sql), sql);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // each order meets one customer (joined on its key): the order's key alone
            "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.cust | (id)",
            "SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.cust = c.id | (id)",
            // an order may meet many lines: both keys
            "SELECT o.id, l.line_no, l.qty FROM orders o JOIN lines l ON l.order_id = o.id | (id, line_no)",
            "SELECT l.order_id, l.line_no, o.amount FROM lines l JOIN orders o ON l.order_id = o.id | (order_id, line_no)",
            // on the padded side of an outer join a joined column cannot stand in for the other
            "SELECT o.id, l.line_no FROM orders o LEFT JOIN lines l ON l.order_id = o.id | (id, line_no)",
            "SELECT l.order_id, l.line_no FROM orders o LEFT JOIN lines l ON l.order_id = o.id | -",
            "SELECT o.id, l.line_no FROM orders o FULL JOIN lines l ON l.order_id = o.id | -",
            // the left side's key is lost on the padded side of a RIGHT join and in a FULL join: both keys
            "SELECT o.id, c.name FROM customers c RIGHT JOIN orders o ON o.cust = c.id | (id)",
            "SELECT o.id, c.id AS cid FROM orders o RIGHT JOIN customers c ON o.cust = c.id | (id, cid)",
            "SELECT o.id, c.id AS cid FROM orders o FULL JOIN customers c ON o.cust = c.id | (id, cid)",
            "SELECT o.id, c.name FROM orders o FULL JOIN customers c ON o.cust = c.id | -",
            // not joined on the other side's key: a pair of keys, lost when one is not selected
            "SELECT o.id, c.name FROM orders o JOIN customers c ON c.name = o.region | -",
            "SELECT o.id, c.id AS cid FROM orders o, customers c | (id, cid)",
            // EXISTS / IN keep the outer rows
            "SELECT id, amount FROM orders o WHERE EXISTS (SELECT 1 FROM lines l WHERE l.order_id = o.id) | (id)",
            "SELECT id FROM orders WHERE cust NOT IN (SELECT id FROM customers) | (id)",
            // a join under an aggregate: the groups
            "SELECT c.name, sum(o.amount) AS total FROM orders o JOIN customers c ON c.id = o.cust GROUP BY c.name | (name)",
            // a keyless source loses the pair
            "SELECT o.id, g.msg FROM orders o JOIN log g ON g.at = o.id | -",
    })
    void joinsKeepTheKeysOfBothSidesOrOneSideWhenTheOtherIsJoinedOnItsKey(String sql, String expected) throws Exception {
        assertEquals(expected, key(sql), sql);
    }

    @Test
    void theKeyIsOutputPositions() throws Exception {
        CompiledQuery q = QueryCompiler.compile("SELECT amount, cust, region, count(*) AS n FROM orders GROUP BY region, cust, amount",
                List.of("public"), CATALOG);
        assertEquals(Optional.of(List.of(0, 1, 2)), q.uniqueKey());
        assertEquals(Optional.of(List.of()), QueryCompiler.compile("SELECT max(id) FROM orders", List.of("public"), CATALOG).uniqueKey());
        assertEquals(Optional.empty(), QueryCompiler.compile("SELECT at FROM log", List.of("public"), CATALOG).uniqueKey());
    }
}
