package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stream tables over dates and timestamptz created under a TimeZone that is not UTC: the engine maintains
 * date_trunc of a date and of a timestamptz, extract and text output DIFFERENTIAL, under the zone recorded at
 * create, and after every round of DML (across New York's DST changes) each equals its query run by
 * PostgreSQL under that zone (under UTC the months would start five hours later, and the hours differ);
 * a FULL stream table, recomputed by the source connector, is computed under the zone too, and
 * verify_stream_table, which evaluates the query there as well, says equal.
 */
class TimeZoneEndToEndTest extends E2eSupport {
    static final String ZONE = "America/New_York";
    static final String MONTHLY = "public.st_tz_monthly";
    static final String MONTHLY_Q = "SELECT date_trunc('month', day) AS month, date_trunc('month', day)::text AS label,"
            + " count(*) AS n, sum(amount) AS total FROM tz_sales GROUP BY date_trunc('month', day)";
    static final String MONTHLY_FULL = "public.st_tz_monthly_full";
    static final String HOURLY = "public.st_tz_hourly";
    static final String HOURLY_Q = "SELECT date_trunc('day', at) AS day, extract(hour FROM at) AS h, count(*) AS n,"
            + " min(at + interval '1 day') AS next_day FROM tz_sales GROUP BY date_trunc('day', at), extract(hour FROM at)";

    @BeforeAll
    static void create() throws Exception {
        exec("CREATE TABLE tz_sales (id int PRIMARY KEY, day date, at timestamptz, amount numeric(10,2))",
             "INSERT INTO tz_sales SELECT g, DATE '2024-01-25' + g % 70, TIMESTAMPTZ '2024-03-09 12:00:00+00' + g * interval '37 minutes',"
                     + " g % 50 + 0.25 FROM generate_series(1, 300) g");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = '" + ZONE + "'");
            s.execute("SELECT pgtrickle.create_stream_table('st_tz_monthly', '" + MONTHLY_Q.replace("'", "''") + "')");
            s.execute("SELECT pgtrickle.create_stream_table('st_tz_hourly', '" + HOURLY_Q.replace("'", "''") + "')");
            s.execute("SELECT pgtrickle.create_stream_table('st_tz_monthly_full', '" + MONTHLY_Q.replace("'", "''")
                    + "', refresh_mode => 'FULL')");
        }
        awaitActive(MONTHLY, HOURLY, MONTHLY_FULL);
    }

    @Test
    void dateTruncatedAggregatesAreDifferentialAndExactUnderTheirTimeZone() throws Exception {
        assertEquals(ZONE, one("SELECT timezone FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st_tz_monthly'"));
        assertEquals("DIFFERENTIAL", value("refresh_mode", MONTHLY), explain("st_tz_monthly"));
        assertEquals("DIFFERENTIAL", value("refresh_mode", HOURLY), explain("st_tz_hourly"));
        assertEquals("FULL", value("refresh_mode", MONTHLY_FULL));
        assertMatchesIn(MONTHLY, MONTHLY_Q);
        assertMatchesIn(HOURLY, HOURLY_Q);
        assertMatchesIn(MONTHLY_FULL, MONTHLY_Q);
        List<List<String>> rounds = List.of(
                List.of("INSERT INTO tz_sales SELECT g, DATE '2024-10-28' + g % 12, TIMESTAMPTZ '2024-11-03 04:00:00+00'"
                        + " + g * interval '11 minutes', 3.5 FROM generate_series(301, 360) g"),
                List.of("UPDATE tz_sales SET day = day + 5, at = at + interval '1 month' WHERE id % 4 = 0",
                        "DELETE FROM tz_sales WHERE id % 9 = 0"),
                List.of("UPDATE tz_sales SET day = DATE '2024-03-31', at = TIMESTAMPTZ '2024-03-10 06:59:59+00' WHERE id BETWEEN 100 AND 130",
                        "DELETE FROM tz_sales WHERE day >= DATE '2024-04-01'"));
        for (List<String> round : rounds) {
            commitTogether(round);
            awaitCaughtUp(MONTHLY, HOURLY, MONTHLY_FULL);
            assertMatchesIn(MONTHLY, MONTHLY_Q);
            assertMatchesIn(HOURLY, HOURLY_Q);
            assertMatchesIn(MONTHLY_FULL, MONTHLY_Q);
        }
        assertEquals("DIFFERENTIAL", value("refresh_mode", MONTHLY));
        // verify_stream_table evaluates the query under the recorded zone too
        assertEquals("t|0|0", one("SELECT concat_ws('|', equal, missing_rows, extra_rows)"
                + " FROM pgtrickle.verify_stream_table('st_tz_monthly', 120)"));
        assertEquals("t|0|0", one("SELECT concat_ws('|', equal, missing_rows, extra_rows)"
                + " FROM pgtrickle.verify_stream_table('st_tz_hourly', 120)"));
    }

    private static String explain(String name) throws SQLException {
        return one("SELECT explain FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'");
    }

    /** The stream table equals its query run under {@link #ZONE} (EXCEPT ALL both ways, on values and their text). */
    private static void assertMatchesIn(String name, String query) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = '" + ZONE + "'");
            String st = "SELECT * FROM " + name;
            List<String> diff = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT 'too many: ' || x::text FROM ((" + st + ") EXCEPT ALL (" + query + ")) x"
                    + " UNION ALL SELECT 'lacks: ' || y::text FROM ((" + query + ") EXCEPT ALL (" + st + ")) y LIMIT 10")) {
                while (rs.next()) {
                    diff.add(rs.getString(1));
                }
            }
            assertEquals(List.of(), diff, "stream table " + name + " differs from its query under TimeZone " + ZONE);
            try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM " + name + "), (SELECT count(*) FROM (" + query + ") q)")) {
                rs.next();
                assertEquals(rs.getLong(2), rs.getLong(1), "rows of " + name);
            }
        }
    }
}
