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
 * Random rounds of DML (inserts, updates that change sort keys and move rows between partitions, deletes of
 * the first rows of the order, bulk deletes) against top-K and window queries, checked against PostgreSQL after
 * every tick. Small value domains make sort keys and partitions collide; ORDER BY keys end with the unique id
 * wherever the result depends on the order among peers. Seeds: -Dtrickle.topk.seed (three seeds from it).
 */
class TopKWindowRandomTickTest {
    private static final long SEED = Long.getLong("trickle.topk.seed", 4_211_977L);
    private static final String[] DATA = {"CREATE TABLE r (id int PRIMARY KEY, g int, x int, n numeric(7,2), s text)"};
    private static final List<String> QUERIES = List.of(
            "SELECT id, x FROM r ORDER BY x NULLS FIRST, id LIMIT 5",
            "SELECT id, g, n FROM r ORDER BY n DESC, id LIMIT 4 OFFSET 3",
            "SELECT g, count(*) AS c, sum(x) AS sx FROM r GROUP BY g ORDER BY c DESC, g NULLS FIRST LIMIT 2",
            "SELECT id, row_number() OVER (PARTITION BY g ORDER BY x, id) AS rn, rank() OVER (PARTITION BY g ORDER BY x) AS r,"
                    + " lag(s) OVER (PARTITION BY g ORDER BY id) AS ls FROM r",
            "SELECT id, sum(x) OVER (PARTITION BY g ORDER BY x, id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS sx,"
                    + " avg(n) OVER (PARTITION BY g ORDER BY x) AS an FROM r",
            "SELECT id, count(*) OVER (ORDER BY x RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS near, max(n) OVER (PARTITION BY g) AS mn,"
                    + " dense_rank() OVER (ORDER BY s DESC) AS ds FROM r",
            "SELECT id, g, x FROM (SELECT id, g, x, row_number() OVER (PARTITION BY g ORDER BY x DESC, id) AS rn FROM r) s WHERE rn <= 2");

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("topkrandom", List.of("r"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            for (String q : QUERIES) {
                out.add(Arguments.of(SEED + s, q));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "seed {0}: {1}")
    @MethodSource("cases")
    void randomRoundsMatchPostgres(long seed, String query) throws Exception {
        Workload w = new Workload(seed);
        List<List<String>> rounds = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rounds.add(w.round());
        }
        rounds.add(List.of("DELETE FROM r"));
        try (var s = oracle.connection().createStatement()) {
            s.execute("INSERT INTO r VALUES " + w.rows(40));
        }
        // the fill is part of the transaction TickOracle.check rolls back
        assertEquals(0, oracle.check(query, rounds), "state entries left after the table was emptied");
    }

    /** Random statements over small domains, so that sort keys tie and partitions collide. */
    private static final class Workload {
        private final Random random;
        private int nextId = 1;

        Workload(long seed) {
            this.random = new Random(seed);
        }

        List<String> round() {
            List<String> out = new ArrayList<>();
            int statements = 1 + random.nextInt(3);
            for (int i = 0; i < statements; i++) {
                out.add(switch (random.nextInt(8)) {
                    case 0, 1 -> "INSERT INTO r VALUES " + rows(1 + random.nextInt(4));
                    case 2 -> "UPDATE r SET g = " + maybe(random.nextInt(4)) + " WHERE id % " + (2 + random.nextInt(5)) + " = " + random.nextInt(2);
                    case 3 -> "UPDATE r SET x = " + maybe(random.nextInt(9)) + ", n = " + numeric() + " WHERE id % 4 = " + random.nextInt(4);
                    case 4 -> "DELETE FROM r WHERE id % " + (4 + random.nextInt(6)) + " = " + random.nextInt(3);
                    // the first rows of the orders the queries cut
                    case 5 -> "DELETE FROM r WHERE id IN (SELECT id FROM r ORDER BY x NULLS FIRST, id LIMIT " + (1 + random.nextInt(3)) + ")";
                    case 6 -> "DELETE FROM r WHERE id IN (SELECT id FROM r ORDER BY n DESC, id LIMIT 2 OFFSET " + random.nextInt(5) + ")";
                    default -> "UPDATE r SET s = " + maybeText("s" + random.nextInt(4)) + " WHERE id % 3 = " + random.nextInt(3);
                });
            }
            return out;
        }

        String rows(int n) {
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add("(" + nextId++ + ", " + maybe(random.nextInt(4)) + ", " + maybe(random.nextInt(9)) + ", " + numeric() + ", "
                        + maybeText("s" + random.nextInt(4)) + ")");
            }
            return String.join(", ", rows);
        }

        private String numeric() {
            return random.nextInt(6) == 0 ? "NULL" : String.format("%d.%02d", random.nextInt(20) - 10, random.nextInt(4) * 25);
        }

        private String maybe(int v) {
            return random.nextInt(6) == 0 ? "NULL" : Integer.toString(v);
        }

        private String maybeText(String v) {
            return random.nextInt(6) == 0 ? "NULL" : "'" + v + "'";
        }
    }
}
