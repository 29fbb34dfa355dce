package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trickle.cli.StackSupervisorAccess;
import org.junit.jupiter.api.Test;

/**
 * What {@code trickle local} does when a user kills one of its processes: the supervisor starts it
 * again, and the stream tables go on following their sources.
 */
class StackSupervisorEndToEndTest extends E2eSupport {
    @Test
    void aKilledStreamsAppIsStartedAgainAndTheStreamTableCatchesUp() throws Exception {
        exec("CREATE TABLE sup_src (id int PRIMARY KEY, v int)",
             "INSERT INTO sup_src SELECT g, g FROM generate_series(1, 50) g",
             "SELECT pgtrickle.create_stream_table('sup_st', 'SELECT id, v * 2 AS v2 FROM sup_src WHERE v % 2 = 0')");
        awaitActive("public.sup_st");
        StackSupervisorAccess supervisor = StackSupervisorAccess.start(stack);
        try {
            assertTrue(supervisor.describe().contains("pid"), supervisor.describe());
            stack.killStreams();
            await("the supervisor to start the streams app again", () -> supervisor.restarts() >= 1);
            assertTrue(stack.streamsApp().isAlive(), "the streams app runs again");
            exec("UPDATE sup_src SET v = v + 1 WHERE id <= 20", "DELETE FROM sup_src WHERE id > 45");
            awaitCaughtUp("public.sup_st");
            assertMatches("public.sup_st", "id, v2", "SELECT id, v * 2 AS v2 FROM sup_src WHERE v % 2 = 0");
        } finally {
            supervisor.stop();
        }
        assertEquals(1, supervisor.restarts(), "only the killed process was restarted");
        exec("SELECT pgtrickle.drop_stream_table('public.sup_st')", "DROP TABLE sup_src");
    }
}
