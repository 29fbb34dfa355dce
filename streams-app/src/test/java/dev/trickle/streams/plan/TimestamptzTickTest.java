package dev.trickle.streams.plan;

import java.time.Instant;
import java.time.LocalDate;
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
 * Queries over timestamptz and date_trunc of dates, maintained tick after tick under a session TimeZone that
 * is not UTC, checked against PostgreSQL's result under the same TimeZone after every round of random DML
 * (rows around the DST changes of New York and Lord Howe Island, whose DST is 30 minutes).
 */
class TimestamptzTickTest {
    private static final String[] DATA = {
        "CREATE TABLE e (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz, g int)"};
    private static final List<String> QUERIES = List.of(
            "SELECT date_trunc('month', d) AS month, count(*) AS n, sum(g) AS total FROM e GROUP BY date_trunc('month', d)",
            // a column named like a unit is a column
            "SELECT date_trunc('month', day) AS month, count(*) AS n FROM (SELECT d AS day FROM e) x GROUP BY date_trunc('month', day)",
            "SELECT date_trunc('day', tz) AS day, count(*) AS n, min(tz) AS first, max(g) AS mg FROM e GROUP BY date_trunc('day', tz)",
            "SELECT date_trunc('week', tz, 'Australia/Lord_Howe') AS week, date_trunc('hour', tz) AS hour, count(*) AS n FROM e"
                    + " GROUP BY date_trunc('week', tz, 'Australia/Lord_Howe'), date_trunc('hour', tz)",
            "SELECT extract(hour FROM tz) AS h, extract(dow FROM tz) AS dw, count(*) AS n FROM e"
                    + " GROUP BY extract(hour FROM tz), extract(dow FROM tz)",
            "SELECT id, extract(epoch FROM tz) AS ep, date_part('timezone', tz) AS zone, extract(day FROM d::timestamptz) AS dd,"
                    + " date_part('isoyear', tz) AS iy FROM e",
            "SELECT id, tz + interval '1 day' AS tomorrow, tz - interval '1 month' AS last_month, tz + interval '24 hours' AS later,"
                    + " d + interval '36 hours' AS dt, tz + interval '1 mon 2 days 03:04:05.5' AS mixed FROM e",
            "SELECT id, tz AT TIME ZONE 'Asia/Kolkata' AS kolkata, ts AT TIME ZONE 'Australia/Lord_Howe' AS lh,"
                    + " timezone('America/New_York', ts) AS ny FROM e",
            // AT TIME ZONE binds tighter than + and after ::, and chains left to right, as in PostgreSQL
            "SELECT id, tz::timestamp AT TIME ZONE 'UTC' AS a, d::timestamp AT TIME ZONE 'Asia/Kolkata' + interval '1 hour' AS b,"
                    + " tz AT TIME ZONE 'Asia/Kolkata' AT TIME ZONE 'UTC' AS c, (ts AT TIME ZONE 'America/New_York')::text AS t FROM e",
            "SELECT id, tz::text AS t, tz::date AS day, tz::timestamp AS local, d::timestamptz AS midnight, ts::timestamptz AS there,"
                    + " 'at ' || tz AS label FROM e",
            "SELECT id, g FROM e WHERE tz >= d AND tz < date_trunc('week', ts) + interval '7 days'"
                    + " AND tz > '2024-03-10 01:30:00' AND ts < '2024-11-03 01:30:00-04'::timestamptz",
            // typed timestamp literals as PostgreSQL reads them (no seconds, an offset, the zone's local time)
            "SELECT id, g FROM e WHERE tz > timestamptz '2024-03-10 01:30' AND tz + interval '1 day' < timestamp with time zone"
                    + " '2024-11-04 01:30:00-04' AND ts >= timestamp '2024-03-10 02:30' AND ts < TIMESTAMP WITHOUT TIME ZONE"
                    + " '2024-12-31 23:00'",
            "SELECT id, timestamptz '2024-03-10 12:00' AT TIME ZONE 'UTC' AS noon_utc, tz > timestamptz '2024-01-01' AS later,"
                    + " timestamp '2024-03-10 02:30'::date AS day FROM e",
            "SELECT date_trunc('month', d) AS month, date_trunc('quarter', tz) AS quarter, sum(g) AS total FROM e"
                    + " WHERE d IS NOT NULL GROUP BY date_trunc('month', d), date_trunc('quarter', tz) HAVING count(*) > 1");

    private static final Instant[] EDGES = {Instant.parse("2024-03-10T07:00:00Z"), Instant.parse("2024-11-03T06:00:00Z"),
        Instant.parse("2024-04-06T15:00:00Z"), Instant.parse("2024-10-05T15:30:00Z"), Instant.parse("2024-12-31T23:30:00Z")};

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("timestamptz", List.of("e"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String zone : List.of("America/New_York", "Australia/Lord_Howe")) {
            for (String q : QUERIES) {
                out.add(Arguments.of(zone, q));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void followsRandomDmlUnderTheSessionTimeZone(String zone, String query) throws Exception {
        try (var s = oracle.connection().createStatement()) {
            s.execute("SET TimeZone = '" + zone + "'");
        }
        oracle.connection().commit();
        Random random = new Random(query.hashCode() * 31L + zone.hashCode());
        List<List<String>> rounds = new ArrayList<>();
        rounds.add(List.of(inserts(random, 1, 40)));
        for (int r = 0; r < 4; r++) {
            int at = random.nextInt(40) + 1;
            rounds.add(List.of(inserts(random, 41 + r * 10, 10),
                    "UPDATE e SET tz = tz + interval '" + (random.nextInt(48) - 24) + " hours', d = d + " + (random.nextInt(9) - 4)
                            + " WHERE id % 5 = " + random.nextInt(5),
                    "UPDATE e SET g = g + 1, ts = ts - interval '1 day' WHERE id BETWEEN " + at + " AND " + (at + 6),
                    "DELETE FROM e WHERE id % 7 = " + random.nextInt(7) + " AND id > " + random.nextInt(60)));
        }
        oracle.check(query, rounds);
    }

    /** {@code n} rows from id {@code first}: instants near the DST changes, their dates and local times, some NULLs. */
    private static String inserts(Random random, int first, int n) {
        StringBuilder b = new StringBuilder("INSERT INTO e VALUES ");
        for (int i = 0; i < n; i++) {
            Instant t = EDGES[random.nextInt(EDGES.length)].plusSeconds((random.nextInt(49) - 24) * 900L + random.nextInt(3) * 7);
            LocalDate d = LocalDate.of(2024, 1, 1).plusDays(random.nextInt(366));
            String tz = random.nextInt(12) == 0 ? "NULL" : "'" + t + "'";
            String date = random.nextInt(12) == 0 ? "NULL" : "'" + d + "'";
            String ts = "'" + t.toString().replace("Z", "").replace('T', ' ') + "'";
            b.append(i == 0 ? "" : ", ").append('(').append(first + i).append(", ").append(date).append(", ").append(ts)
                    .append(", ").append(tz).append(", ").append(random.nextInt(5)).append(')');
        }
        return b.toString();
    }
}
