package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A record on a delta topic that is not Trickle's (written by a plain producer) stops only its own stream table:
 * it goes to ERROR with the record's place in last_error, the other stream table keeps following its source, and a
 * refresh brings the first one back equal to its query.
 */
class MalformedDeltaEndToEndTest extends E2eSupport {
    private static final String BAD = "SELECT id, v FROM md_a WHERE v > 0";
    private static final String GOOD = "SELECT id, v FROM md_b";

    @Test
    void aMalformedDeltaRecordStopsOnlyItsOwnStreamTable() throws Exception {
        exec("CREATE TABLE md_a (id int PRIMARY KEY, v int)", "CREATE TABLE md_b (id int PRIMARY KEY, v int)",
             "INSERT INTO md_a SELECT g, g FROM generate_series(1, 20) g",
             "INSERT INTO md_b SELECT g, g FROM generate_series(1, 20) g",
             "SELECT pgtrickle.create_stream_table('md_bad', $$" + BAD + "$$)",
             "SELECT pgtrickle.create_stream_table('md_good', $$" + GOOD + "$$)");
        try {
            awaitActive("public.md_bad", "public.md_good");
            String topic = stack.topicPrefix() + ".delta.public.md_bad";
            // a record the worker's JsonConverter reads (a string with its schema) but that is no Trickle envelope;
            // bytes no converter can read fail in the worker before the task sees them (Connect's errors.tolerance)
            produceRaw(topic, "{\"schema\":{\"type\":\"string\"},\"payload\":\"this is not a delta\"}");
            exec("INSERT INTO md_a VALUES (21, 21)", "INSERT INTO md_b VALUES (21, 21)");
            await("md_bad to stop at the malformed record", sql(() -> "ERROR".equals(status("public.md_bad"))));
            String error = value("last_error", "public.md_bad");
            assertTrue(error.contains("malformed (topic " + topic + " partition 0 at offset ")
                    && error.contains("refresh_stream_table"), error);
            for (int i = 22; i < 25; i++) {
                exec("INSERT INTO md_b VALUES (" + i + ", " + i + ")", "UPDATE md_b SET v = v + 1 WHERE id = " + (i - 20));
                awaitCaughtUp("public.md_good");
                assertMatches("public.md_good", "id, v", GOOD);
            }
            assertEquals("ACTIVE", status("public.md_good"));
            exec("SELECT pgtrickle.refresh_stream_table('md_bad')");
            awaitActive("public.md_bad");
            awaitCaughtUp("public.md_bad");
            assertMatches("public.md_bad", "id, v", BAD);
        } finally {
            exec("SELECT pgtrickle.drop_stream_table('md_bad')", "SELECT pgtrickle.drop_stream_table('md_good')");
        }
    }
}
