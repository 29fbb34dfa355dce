package dev.trickle.source;

import static dev.trickle.source.FullChecks.delta;
import static dev.trickle.source.FullChecks.makeFull;
import static dev.trickle.source.FullChecks.rows;
import static dev.trickle.source.TaskHarness.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A FULL stream table is recomputed under the TimeZone recorded with it, like a DIFFERENTIAL one: its days start
 * at the zone's midnight and its text shows the zone's offsets, while the records carry timestamptz in UTC.
 */
class FullRefreshTimeZoneTest {
    private static final String Q = "SELECT date_trunc('day', at) AS day, at::text AS t FROM events";

    @Test
    void theQueryRunsUnderTheStreamTablesTimeZone() throws Exception {
        String url = TaskHarness.database("full_zone");
        exec(url, "CREATE TABLE events (id int PRIMARY KEY, at timestamptz)",
                "INSERT INTO events SELECT g, TIMESTAMPTZ '2024-03-09 12:00:00+00' + g * interval '97 minutes' FROM generate_series(1, 40) g",
                "SET TimeZone = 'Asia/Kolkata'",
                "SELECT pgtrickle.create_stream_table('daily', '" + Q.replace("'", "''") + "')");
        makeFull(url, "daily");
        try (TaskHarness h = new TaskHarness(url)) {
            Map<List<String>, Long> refreshed = rows(h.nextTick(), delta("public", "daily"));
            assertEquals(expected(url, "Asia/Kolkata"), refreshed);
            assertNotEquals(expected(url, "UTC"), refreshed);
        }
    }

    /** The query's rows under {@code zone}, its timestamptz column in UTC text as the records carry it. */
    private static Map<List<String>, Long> expected(String url, String zone) throws Exception {
        Map<List<String>, Long> out = new HashMap<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = '" + zone + "'");
            try (ResultSet rs = s.executeQuery("SELECT (day AT TIME ZONE 'UTC')::text || '+00', t FROM (" + Q + ") q")) {
                while (rs.next()) {
                    List<String> row = new ArrayList<>(List.of(rs.getString(1), rs.getString(2)));
                    out.merge(row, 1L, Long::sum);
                }
            }
        }
        return out;
    }
}
