package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A record on a change topic that is not Trickle's (written by a plain producer) would be a lost change if the
 * streams app skipped it: exactly the stream tables reading that topic (one stateless, one stateful) go to ERROR
 * with the record's place in last_error, the stream table over another source keeps following it, and a refresh
 * brings the stopped ones back equal to their queries.
 */
class MalformedChangeEndToEndTest extends E2eSupport {
    private static final String PLAIN = "SELECT id, v FROM mc_a WHERE v > 0";
    private static final String TOTALS = "SELECT v % 3 AS k, count(*) AS n, sum(v) AS s FROM mc_a GROUP BY v % 3";
    private static final String OTHER = "SELECT id, v FROM mc_b";

    @Test
    void aMalformedChangeRecordStopsExactlyTheStreamTablesReadingItsTopic() throws Exception {
        exec("CREATE TABLE mc_a (id int PRIMARY KEY, v int)", "CREATE TABLE mc_b (id int PRIMARY KEY, v int)",
             "INSERT INTO mc_a SELECT g, g FROM generate_series(1, 20) g",
             "INSERT INTO mc_b SELECT g, g FROM generate_series(1, 20) g",
             "SELECT pgtrickle.create_stream_table('mc_plain', $$" + PLAIN + "$$, refresh_mode => 'DIFFERENTIAL')",
             "SELECT pgtrickle.create_stream_table('mc_totals', $$" + TOTALS + "$$, refresh_mode => 'DIFFERENTIAL')",
             "SELECT pgtrickle.create_stream_table('mc_other', $$" + OTHER + "$$)");
        try {
            awaitActive("public.mc_plain", "public.mc_totals", "public.mc_other");
            String topic = stack.topicPrefix() + ".changes.public.mc_a";
            produceRaw(topic, "this is not a change");
            exec("INSERT INTO mc_a VALUES (21, 21)", "INSERT INTO mc_b VALUES (21, 21)");
            for (String st : new String[] {"public.mc_plain", "public.mc_totals"}) {
                await(st + " to stop at the malformed record", sql(() -> "ERROR".equals(status(st))));
                String error = value("last_error", st);
                assertTrue(error.contains("a record on change topic " + topic + " (partition 0, offset ")
                        && error.contains("refresh_stream_table"), error);
            }
            for (int i = 22; i < 25; i++) {
                exec("INSERT INTO mc_b VALUES (" + i + ", " + i + ")", "UPDATE mc_b SET v = v + 1 WHERE id = " + (i - 20));
                awaitCaughtUp("public.mc_other");
                assertMatches("public.mc_other", "id, v", OTHER);
            }
            assertEquals("ACTIVE", status("public.mc_other"));
            exec("SELECT pgtrickle.refresh_stream_table('mc_plain')", "SELECT pgtrickle.refresh_stream_table('mc_totals')",
                 "UPDATE mc_a SET v = v * 2 WHERE id % 4 = 0");
            awaitActive("public.mc_plain", "public.mc_totals");
            exec("INSERT INTO mc_a VALUES (30, 30)", "DELETE FROM mc_a WHERE id = 3");
            awaitCaughtUp("public.mc_plain");
            awaitCaughtUp("public.mc_totals");
            assertMatches("public.mc_plain", "id, v", PLAIN);
            assertMatches("public.mc_totals", "k, n, s", TOTALS);
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('mc_plain')", "SELECT pgtrickle.drop_stream_table('mc_totals')",
                 "SELECT pgtrickle.drop_stream_table('mc_other')", "DROP TABLE mc_a", "DROP TABLE mc_b");
        }
    }
}
