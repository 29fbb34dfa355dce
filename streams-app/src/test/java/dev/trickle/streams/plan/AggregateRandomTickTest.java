package dev.trickle.streams.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random rounds of DML (inserts, updates that move rows between groups, deletes, bulk changes) against
 * aggregates, DISTINCT and set operations, checked against PostgreSQL after every tick. Small value domains
 * make groups collide, grow and vanish. Seeds: -Dtrickle.agg.seed (three seeds from it).
 */
class AggregateRandomTickTest {
    private static final long SEED = Long.getLong("trickle.agg.seed", 7_345_001L);
    private static final String[] DATA = {
        "CREATE TABLE r (id int PRIMARY KEY, g int, h text, x int, n numeric(7,2), s text, b bool)",
        "CREATE TABLE q (g int, x int)"};
    /** The queries; those marked 1 keep one state entry when empty (a row without GROUP BY, a grand total). */
    private static final List<String> QUERIES = List.of(
            "SELECT g, h, count(*) AS c, sum(x) AS sx, avg(n) AS an, min(s) AS ms, max(n) AS xn, stddev(n) AS sd, bool_or(b) AS bo,"
                    + " string_agg(s, ',' ORDER BY id) AS ss FROM r GROUP BY g, h",
            "1 SELECT count(*) AS c, sum(n) AS sn, count(DISTINCT g) AS cg, var_samp(x) AS vx, max(s) AS ms FROM r",
            "SELECT h, count(*) FILTER (WHERE b) AS cb, max(x) AS mx, array_agg(n ORDER BY n, id) AS an FROM r GROUP BY h"
                    + " HAVING count(*) > 3",
            "SELECT DISTINCT g, b FROM r",
            "SELECT g, x FROM r INTERSECT ALL SELECT g, x FROM q",
            "SELECT g, x FROM q EXCEPT ALL SELECT g, x FROM r",
            "SELECT g FROM r UNION SELECT x FROM q",
            "1 SELECT g, h, count(*) AS c, sum(n) AS sn FROM r GROUP BY CUBE(g, h)",
            "SELECT c, count(*) AS groups FROM (SELECT g, count(*) AS c FROM r GROUP BY g) s GROUP BY c");

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("aggrandom", List.of("r", "q"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            for (String q : QUERIES) {
                boolean one = q.startsWith("1 ");
                out.add(Arguments.of(SEED + s, one ? q.substring(2) : q, one ? 1 : 0));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "seed {0}: {1}")
    @MethodSource("cases")
    void randomRoundsMatchPostgres(long seed, String query, int stateWhenEmpty) throws Exception {
        Workload w = new Workload(seed);
        List<List<String>> rounds = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rounds.add(w.round());
        }
        rounds.add(List.of("DELETE FROM r", "DELETE FROM q"));
        try (var s = oracle.connection().createStatement()) {
            for (String sql : w.fill()) {
                s.execute(sql);
            }
        }
        // the fill is part of the transaction TickOracle.check rolls back
        assertEquals(stateWhenEmpty, oracle.check(query, rounds), "state entries left after the tables were emptied");
    }

    /** Random statements over small domains, so that groups collide. */
    private static final class Workload {
        private final Random random;
        private int nextId = 1;

        Workload(long seed) {
            this.random = new Random(seed);
        }

        List<String> fill() {
            List<String> out = new ArrayList<>();
            out.add("INSERT INTO r VALUES " + rows(60));
            out.add("INSERT INTO q VALUES " + qRows(30));
            return out;
        }

        List<String> round() {
            List<String> out = new ArrayList<>();
            int statements = 1 + random.nextInt(3);
            for (int i = 0; i < statements; i++) {
                out.add(switch (random.nextInt(8)) {
                    case 0, 1 -> "INSERT INTO r VALUES " + rows(1 + random.nextInt(5));
                    case 2 -> "UPDATE r SET g = " + maybe(random.nextInt(4)) + " WHERE id % " + (2 + random.nextInt(5)) + " = " + random.nextInt(2);
                    case 3 -> "UPDATE r SET x = x + " + (random.nextInt(7) - 3) + ", n = " + numeric() + " WHERE id % 3 = " + random.nextInt(3);
                    case 4 -> "DELETE FROM r WHERE id % " + (3 + random.nextInt(6)) + " = " + random.nextInt(3);
                    case 5 -> "DELETE FROM r WHERE n = (SELECT max(n) FROM r) OR s = (SELECT min(s) FROM r)";
                    case 6 -> "INSERT INTO q VALUES " + qRows(1 + random.nextInt(4));
                    default -> "DELETE FROM q WHERE ctid IN (SELECT ctid FROM q WHERE g = " + random.nextInt(4) + " LIMIT 2)";
                });
            }
            return out;
        }

        private String rows(int n) {
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add("(" + nextId++ + ", " + maybe(random.nextInt(4)) + ", " + maybeText("h" + random.nextInt(3)) + ", "
                        + maybe(random.nextInt(11) - 5) + ", " + numeric() + ", " + maybeText("s" + random.nextInt(6)) + ", "
                        + (random.nextInt(5) == 0 ? "NULL" : random.nextBoolean()) + ")");
            }
            return String.join(", ", rows);
        }

        private String qRows(int n) {
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add("(" + maybe(random.nextInt(4)) + ", " + maybe(random.nextInt(11) - 5) + ")");
            }
            return String.join(", ", rows);
        }

        private String numeric() {
            return random.nextInt(6) == 0 ? "NULL" : String.format("%d.%02d", random.nextInt(200) - 100, random.nextInt(100));
        }

        private String maybe(int v) {
            return random.nextInt(6) == 0 ? "NULL" : Integer.toString(v);
        }

        private String maybeText(String v) {
            return random.nextInt(6) == 0 ? "NULL" : "'" + v + "'";
        }
    }
}
