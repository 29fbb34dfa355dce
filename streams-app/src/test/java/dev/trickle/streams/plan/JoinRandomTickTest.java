package dev.trickle.streams.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Joins on the multi-tick oracle under random rounds of DML: inserts, join-key and primary-key updates and
 * deletes on a few keys (so partners come and go together), NULL keys and duplicates.
 * Seed: -Dtrickle.join.seed.
 */
class JoinRandomTickTest {
    private static final long SEED = Long.getLong("trickle.join.seed", 20_250_101L);
    private static TickOracle oracle;
    private static List<List<String>> rounds;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("joinrandom", List.of("r", "s", "t"),
                "CREATE TABLE r (id int PRIMARY KEY, k int, v text)",
                "CREATE TABLE s (id int PRIMARY KEY, k bigint, v varchar(5))",
                "CREATE TABLE t (k int, w int)",
                "INSERT INTO r SELECT g, CASE WHEN g % 8 = 0 THEN NULL ELSE g % 6 END, 'v' || (g % 5) FROM generate_series(1, 30) g",
                "INSERT INTO s SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 5 END, 'v' || (g % 4) FROM generate_series(1, 25) g",
                "INSERT INTO t SELECT g % 6, g % 3 FROM generate_series(1, 30) g");
        rounds = randomRounds(new Random(SEED), 12);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    private static List<List<String>> randomRounds(Random random, int count) {
        List<List<String>> out = new ArrayList<>();
        int nextId = 1000;
        for (int i = 0; i < count; i++) {
            List<String> round = new ArrayList<>();
            for (int n = 2 + random.nextInt(4); n > 0; n--) {
                String table = random.nextBoolean() ? "r" : "s";
                String key = random.nextInt(7) == 0 ? "NULL" : String.valueOf(random.nextInt(6));
                int m = 3 + random.nextInt(5);
                round.add(switch (random.nextInt(7)) {
                    case 0, 1 -> "INSERT INTO " + table + " VALUES (" + nextId++ + ", " + key + ", 'v" + random.nextInt(5) + "')";
                    case 2 -> "UPDATE " + table + " SET k = " + key + " WHERE id % " + m + " = " + random.nextInt(m);
                    case 3 -> "UPDATE " + table + " SET id = -id WHERE id % " + m + " = " + random.nextInt(m);
                    case 4 -> "DELETE FROM " + table + " WHERE k = " + key;
                    case 5 -> "INSERT INTO t VALUES (" + key + ", " + random.nextInt(3) + "), (" + key + ", " + random.nextInt(3) + ")";
                    default -> "DELETE FROM t WHERE w = " + random.nextInt(3) + " AND k = " + key;
                });
            }
            out.add(round);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "SELECT r.id, r.v, s.id AS sid, s.v AS sv FROM r JOIN s ON r.k = s.k",
        "SELECT r.id, s.id AS sid FROM r LEFT JOIN s ON r.k = s.k",
        "SELECT r.id, s.id AS sid FROM r RIGHT JOIN s ON r.k = s.k AND r.v < s.v",
        "SELECT r.id, r.k, s.id AS sid, s.k AS sk FROM r FULL JOIN s ON r.k = s.k AND r.v = s.v",
        "SELECT r.id, s.id AS sid FROM r RIGHT JOIN s ON r.k > s.k + 3",
        "SELECT x.k, x.w, y.w AS yw FROM t x JOIN t y ON x.k = y.k AND x.w < y.w",
        "SELECT r.id, s.id AS sid, t.w FROM r JOIN s ON r.k = s.k LEFT JOIN t ON t.k = s.k AND t.w = 1",
        "SELECT s.id, x.n FROM s FULL JOIN (SELECT k, w * 10 AS n FROM t WHERE w > 0) x ON x.k = s.k"})
    void joinFollowsRandomRounds(String query) throws Exception {
        oracle.check(query, rounds);
    }
}
