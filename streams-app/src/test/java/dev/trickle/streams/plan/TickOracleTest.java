package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The multi-tick oracle itself, on a linear query: state-free pipelines keep no state entries. */
class TickOracleTest {
    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("tickoracle", List.of("t"),
                "CREATE TABLE t (id int PRIMARY KEY, a int, s text)",
                "INSERT INTO t SELECT g, g % 7, 'v' || g FROM generate_series(1, 50) g");
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @Test
    void linearQueryFollowsRoundsOfDml() throws Exception {
        int entries = oracle.check("SELECT id, a * 2 AS a2, upper(s) AS s FROM t WHERE a > 3", List.of(
                List.of("INSERT INTO t VALUES (100, 5, 'x'), (101, 1, 'y')"),
                List.of("UPDATE t SET a = a + 1 WHERE id % 3 = 0", "UPDATE t SET id = id + 1000 WHERE id % 5 = 0"),
                List.of("DELETE FROM t WHERE a = 6"),
                List.of("UPDATE t SET s = NULL WHERE id < 10")));
        assertEquals(0, entries);
    }
}
