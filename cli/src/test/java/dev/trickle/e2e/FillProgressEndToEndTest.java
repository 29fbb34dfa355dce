package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The initial fill of a stream table over a large source shows its progress in pgt_status() while it runs (rows
 * read by the source connector, against the estimate; rows applied by the sink), only ever growing, and ends at
 * the exact counts; the Connect log says it too.
 */
class FillProgressEndToEndTest extends E2eSupport {
    private static final int ROWS = 120_000;

    /** One look at pgt_status()'s fill columns. */
    private record Sample(String status, Long read, Long estimated, Long applied) {
    }

    @Test
    void theFillsProgressGrowsToTheExactRowCounts() throws Exception {
        exec("CREATE TABLE fill_big (id int PRIMARY KEY, v int)",
                "INSERT INTO fill_big SELECT g, g FROM generate_series(1, " + ROWS + ") g",
                "ANALYZE fill_big",
                "SELECT pgtrickle.create_stream_table('fill_big_st', 'SELECT id, v FROM fill_big WHERE v % 3 = 0')");
        List<Sample> samples = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 4 * DEADLINE_MS;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            while (true) {
                Sample now = sample(s);
                if (samples.isEmpty() || !now.equals(samples.get(samples.size() - 1))) {
                    samples.add(now);
                }
                if (now.applied() != null) { // with the fill's rows, the status is past INITIALIZING
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    fail("the fill did not end; samples " + samples + "\n" + diagnostics());
                }
                Thread.sleep(20);
            }
        }
        System.out.println("fill progress samples: " + samples);
        long lastRead = -1;
        for (Sample x : samples) {
            if (x.read() != null) {
                assertTrue(x.read() >= lastRead, "rows read went back: " + samples);
                assertTrue(x.read() % 10_000 == 0 || x.read() == ROWS, "updated every 10,000 rows: " + samples);
                lastRead = x.read();
            }
            assertTrue(x.applied() == null || !"INITIALIZING".equals(x.status()), "rows applied show with the fill: " + samples);
        }
        Sample last = samples.get(samples.size() - 1);
        assertEquals(ROWS, last.read(), samples.toString());
        assertEquals(ROWS / 3, last.applied(), samples.toString());
        assertNotNull(last.estimated(), "ANALYZE gave the source an estimate");
        assertTrue(Math.abs(last.estimated() - ROWS) <= ROWS / 10, "estimate near " + ROWS + ": " + last);
        assertEquals(String.valueOf(ROWS / 3), one("SELECT count(*) FROM fill_big_st"));

        String log = Files.readString(stack.logDir().resolve("connect.log"));
        assertTrue(log.contains("Filling public.fill_big_st at tick ") && log.contains(": 100,000 of ~"), log.length() > 4000
                ? log.substring(log.length() - 4000) : log);
        assertTrue(log.contains(": all 120,000 rows of its source(s) read"), "the log says the fill is read");
        exec("SELECT pgtrickle.drop_stream_table('fill_big_st')", "DROP TABLE fill_big");
    }

    private static Sample sample(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT status, fill_rows_read, fill_rows_estimated, fill_rows_applied "
                + "FROM pgtrickle.pgt_status() WHERE name = 'public.fill_big_st'")) {
            if (!rs.next()) {
                return new Sample(null, null, null, null);
            }
            return new Sample(rs.getString(1), (Long) rs.getObject(2), (Long) rs.getObject(3), (Long) rs.getObject(4));
        }
    }
}
