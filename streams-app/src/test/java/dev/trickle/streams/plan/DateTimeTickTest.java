package dev.trickle.streams.plan;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * extract, date_part, date_trunc and date arithmetic on the edges of the calendar, tick after tick: BC dates
 * (no year 0), leap days, ISO weeks that belong to the next or previous year, the first microsecond of a
 * day, infinite dates and timestamps, month ends that an interval of months clamps.
 */
class DateTimeTickTest {
    private static final String[] DATA = {
        "CREATE TABLE e (id int PRIMARY KEY, d date, ts timestamp, n int)",
        "INSERT INTO e VALUES (1, '2024-02-29', '2024-02-29 23:59:59.999999', 1), (2, '0044-03-15 BC', '0044-03-15 12:00:00 BC', -1),"
                + " (3, '0001-01-01 BC', '0001-12-31 23:59:59 BC', 0), (4, '0001-01-01', '0001-01-01 00:00:00', 365),"
                + " (5, '2020-12-31', '2021-01-01 00:00:00.000001', 7), (6, '2024-12-30', '2024-12-29 10:30:00', -7),"
                + " (7, '1999-12-31', '2000-01-01 00:00:00', 2), (8, 'infinity', 'infinity', 1), (9, '-infinity', '-infinity', 1),"
                + " (10, NULL, NULL, NULL), (11, '2024-01-31', '2024-01-31 08:00:00.5', 31), (12, '1970-01-01', '1969-12-31 23:59:59.5', -1)"};

    private static final List<List<String>> ROUNDS = List.of(
            List.of("INSERT INTO e VALUES (13, '2100-03-01', '2100-02-28 00:00:01', 1000), (14, '1000-01-01 BC', '0100-06-30 BC', -5)"),
            List.of("UPDATE e SET d = d + n WHERE d > '-infinity' AND d < 'infinity'", "DELETE FROM e WHERE id = 3",
                    "UPDATE e SET ts = ts + interval '1 month' WHERE id % 2 = 0"),
            List.of("UPDATE e SET n = n * 2", "INSERT INTO e VALUES (3, '2000-02-29', '2000-02-29 00:00:00', 29)"));

    private static TickOracle oracle;

    @BeforeAll
    static void create() throws Exception {
        oracle = TickOracle.create("datetime", List.of("e"), DATA);
    }

    @AfterAll
    static void close() throws Exception {
        oracle.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "SELECT id, extract(year from d) AS y, extract(decade from d) AS dc, extract(century from d) AS c,"
                + " extract(millennium from d) AS ml, extract(isoyear from d) AS iy, extract(julian from d) AS j,"
                + " extract(epoch from d) AS ep FROM e WHERE d > '-infinity' AND d < 'infinity'",
        "SELECT id, extract(month from d) AS m, extract(day from d) AS dd, extract(week from d) AS w, extract(dow from d) AS dw,"
                + " extract(isodow from d) AS idw, extract(doy from d) AS doy, extract(quarter from d) AS q FROM e",
        "SELECT id, extract(year from ts) AS y, extract(decade from ts) AS dc, extract(century from ts) AS c,"
                + " extract(isoyear from ts) AS iy, extract(julian from ts) AS j, extract(epoch from ts) AS ep"
                + " FROM e WHERE ts > '-infinity' AND ts < 'infinity'",
        "SELECT id, extract(second from ts) AS s, extract(milliseconds from ts) AS ms, extract(microseconds from ts) AS us,"
                + " extract(minute from ts) AS mi, extract(hour from ts) AS h, extract(week from ts) AS w, extract(doy from ts) AS doy FROM e",
        "SELECT id, date_part('year', ts) AS y, date_part('epoch', ts) AS ep, date_part('julian', ts) AS j, date_part('century', d) AS c,"
                + " date_part('dow', ts) AS dw, date_part('second', ts) AS s, date_part('isoyear', d) AS iy FROM e",
        "SELECT id, date_trunc('millennium', ts) AS ml, date_trunc('century', ts) AS c, date_trunc('decade', ts) AS dc,"
                + " date_trunc('year', ts) AS y, date_trunc('quarter', ts) AS q, date_trunc('week', ts) AS w, date_trunc('day', ts) AS dd,"
                + " date_trunc('milliseconds', ts) AS ms FROM e",
        "SELECT id, d + n AS dn, d - n AS dm, n + d AS nd, d - DATE '2000-01-01' AS since FROM e WHERE d > '-infinity' AND d < 'infinity'",
        "SELECT id, d + 1 AS tomorrow FROM e",
        "SELECT id, d + INTERVAL '1' MONTH AS m1, ts - INTERVAL '1' MONTH AS m0, ts + INTERVAL '-1-1' YEAR TO MONTH AS ym,"
                + " ts + INTERVAL '1 00:00:00.5' DAY TO SECOND AS ds, d - INTERVAL '25' HOUR AS h FROM e",
        // PostgreSQL's own interval input: fractions, weeks, times, ago, several units
        "SELECT id, ts + interval '1 day' AS a, d - interval '1.5 months' AS b, ts + interval '@ 1 year 2 mons ago' AS c,"
                + " ts - interval '1 week 04:05:06.789' AS e, d + interval '1.25 years' AS f, interval '-1 day +2 hours' + ts AS g,"
                + " ts + INTERVAL '2 DAYS 3 Minutes' AS h, ts + interval '1 mon -3 days 04:05' AS i, ts + interval '10' AS j FROM e",
        "SELECT id FROM e WHERE ts > d - interval '1 day' AND d < DATE '2100-01-01' - interval '2 centuries 1 decade'",
        "SELECT extract(year from d) AS y, count(*) AS n, min(ts) AS first FROM e WHERE d < 'infinity' AND d > '-infinity'"
                + " GROUP BY extract(year from d)",
        "SELECT date_trunc('month', ts) AS month, count(*) AS n FROM e GROUP BY date_trunc('month', ts)"})
    void dateTimeFollowsRoundsOfDml(String query) throws Exception {
        oracle.check(query, ROUNDS);
    }
}
