package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stateful incremental stream tables (aggregates, joins) and FULL mode on the real stack: after every
 * round of DML each equals its query, and explain_st says how each is maintained.
 */
class ModesEndToEndTest extends E2eSupport {
    static final String TOTALS = "public.st_customer_totals";
    static final String TOTALS_Q = "SELECT c.country, count(*) AS orders, sum(o.amount) AS total, max(o.amount) AS biggest "
            + "FROM m_orders o JOIN m_customers c ON c.id = o.customer_id GROUP BY c.country";
    static final String ENRICHED = "public.st_enriched";
    static final String ENRICHED_Q = "SELECT o.id, o.amount, c.name FROM m_orders o LEFT JOIN m_customers c ON c.id = o.customer_id";
    static final String RANKED = "public.st_ranked_full";
    static final String RANKED_Q = "SELECT id, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r FROM m_orders";
    static final String[] ALL = {TOTALS, ENRICHED, RANKED};

    @BeforeAll
    static void create() throws Exception {
        exec("CREATE TABLE m_customers (id int PRIMARY KEY, name text, country text)",
             "CREATE TABLE m_orders (id int PRIMARY KEY, customer_id int, amount numeric(10,2))",
             "INSERT INTO m_customers SELECT g, 'c' || g, (ARRAY['DE','FR','US'])[1 + g % 3] FROM generate_series(1, 30) g",
             "INSERT INTO m_orders SELECT g, 1 + g % 35, (g * 7) % 500 + 0.25 FROM generate_series(1, 400) g",
             "SELECT pgtrickle.create_stream_table('st_customer_totals', '" + TOTALS_Q.replace("'", "''") + "')",
             "SELECT pgtrickle.create_stream_table('st_enriched', '" + ENRICHED_Q.replace("'", "''") + "')",
             "SELECT pgtrickle.create_stream_table('st_ranked_full', '" + RANKED_Q.replace("'", "''") + "', refresh_mode => 'FULL')");
        awaitActive(ALL);
    }

    @Test
    void statefulAndFullStreamTablesFollowRoundsOfDml() throws Exception {
        assertEquals("DIFFERENTIAL", one("SELECT effective_mode FROM pgtrickle.explain_st('st_customer_totals')"));
        assertEquals("DIFFERENTIAL", one("SELECT effective_mode FROM pgtrickle.explain_st('st_enriched')"));
        assertEquals("FULL", one("SELECT effective_mode FROM pgtrickle.explain_st('st_ranked_full')"));
        assertAll();
        List<List<String>> rounds = List.of(
                List.of("INSERT INTO m_orders SELECT g, 1 + g % 33, g % 90 + 0.5 FROM generate_series(401, 450) g",
                        "UPDATE m_customers SET country = 'IT' WHERE id % 4 = 0"),
                List.of("UPDATE m_orders SET customer_id = customer_id + 1 WHERE id % 5 = 0",
                        "DELETE FROM m_customers WHERE id = 7", "DELETE FROM m_orders WHERE amount > 450"),
                List.of("UPDATE m_customers SET id = id + 100 WHERE id = 3", "INSERT INTO m_customers VALUES (31, 'new', 'DE')",
                        "UPDATE m_orders SET amount = amount * 2 WHERE customer_id = 31"),
                List.of("DELETE FROM m_orders WHERE customer_id % 2 = 0", "TRUNCATE m_customers"));
        for (List<String> round : rounds) {
            commitTogether(round);
            awaitCaughtUp(ALL);
            assertAll();
        }
        assertTrue(Long.parseLong(one("SELECT count(*) FROM st_enriched WHERE name IS NULL")) > 0, "outer join padding seen");
    }

    private static void assertAll() throws Exception {
        assertMatches(TOTALS, "*", TOTALS_Q);
        assertMatches(ENRICHED, "*", ENRICHED_Q);
        assertMatches(RANKED, "*", RANKED_Q);
    }
}
