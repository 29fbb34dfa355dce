package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A sink that fails in the middle of applying a tick (after its deletes, at its first row inserted or updated:
 * a trigger on the stream table raises once; a key whose row changed is updated, not inserted again), under the transfer workload. A failure worth retrying (a
 * serialization failure) is retried and the tick applied once; any other failure is counted and retried
 * while the other stream tables go on, and the third in a row SUSPENDS the stream table at its last tick
 * (still consistent) until pgtrickle.resume_stream_table fills it anew. A refresh of a healthy stream table
 * under load fills it anew at one tick. The invariants hold
 * throughout, and afterwards each stream table equals its query.
 */
class SinkFailureEndToEndTest extends E2eSupport {
    /** Initial fills the sink applied to the stream table. */
    private static long fills(String name) throws java.sql.SQLException {
        return Long.parseLong(one("SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s "
                + "USING (pgt_id) WHERE format('%I.%I', s.pgt_schema, s.pgt_name) = '" + name + "' AND h.initial AND h.status = 'COMPLETED'"));
    }

    @Test
    void aSinkFailingHalfWayThroughATickRecovers() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        TransferWorkload transfers = new TransferWorkload("sf", violations, 2, 10);
        Workload.createAll(List.of(transfers));
        String a = "public." + transfers.totA;
        String b = "public." + transfers.totB;
        exec("CREATE SEQUENCE sf_failures",
             "CREATE FUNCTION sf_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     + "IF nextval('sf_failures') = 1 THEN "
                     + "RAISE EXCEPTION 'injected failure in the middle of a tick of %', TG_TABLE_NAME USING ERRCODE = TG_ARGV[0]; "
                     + "END IF; RETURN NEW; END $$");
        InvariantRun.run("sink failures", List.of(transfers), violations, Invariants.loadDuration(Duration.ofSeconds(20)),
                false, (runner, until) -> {
                    // 1. retried: a serialization failure at the first row written
                    long armed = currentTick();
                    exec("CREATE TRIGGER sf_fail BEFORE INSERT OR UPDATE ON " + a + " FOR EACH ROW EXECUTE FUNCTION sf_fail_once('40001')");
                    await("the injected serialization failure", sql(() -> Long.parseLong(one(
                            "SELECT last_value FROM sf_failures")) >= 2));
                    await(a + " to apply ticks after the failure", () -> lastTick(a) >= armed + 3);
                    assertEquals("ACTIVE", status(a), "a retried failure leaves the stream table ACTIVE");
                    String log = Files.readString(stack.logDir().resolve("connect.log"));
                    assertTrue(log.contains("injected failure in the middle of a tick of sf_tot_a") && log.contains("retrying"),
                            "the sink logged the failure and its retry");

                    // 2. not cured by a new connection (an error the trigger raises every time): counted and retried
                    // while the other stream tables go on; after 3 in a row the stream table is SUSPENDED at its last
                    // tick (still consistent) until pgtrickle.resume_stream_table fills it anew
                    exec("DROP TRIGGER sf_fail ON " + a,
                         "CREATE FUNCTION sf_fail_always() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                                 + "RAISE EXCEPTION 'injected failure in the middle of a tick of %', TG_TABLE_NAME; END $$",
                         "CREATE TRIGGER sf_fail BEFORE INSERT OR UPDATE ON " + b + " FOR EACH ROW EXECUTE FUNCTION sf_fail_always()");
                    await(b + " to be suspended by the failures", sql(() -> "SUSPENDED".equals(status(b))));
                    String error = value("last_error", b);
                    assertTrue(error.contains("injected failure") && error.contains("resume_stream_table")
                            && error.startsWith("suspended after 3 consecutive failures"), error);
                    assertEquals("3", one("SELECT count(*) FROM pgtrickle.get_refresh_history('" + b + "') "
                            + "WHERE status = 'FAILED'"), "each failed attempt is in the history");
                    long stuck = lastTick(b);
                    await("the other stream tables to move on", () -> lastTick(a) >= stuck + 5);
                    assertEquals(stuck, lastTick(b), "a SUSPENDED stream table stays at its last tick");
                    exec("DROP TRIGGER sf_fail ON " + b, "SELECT pgtrickle.resume_stream_table('" + b + "')");
                    await(b + " to be filled anew", () -> lastTick(b) > stuck + 5);
                    assertEquals("ACTIVE", status(b));

                    // 3. a refresh of a healthy stream table under load: filled anew at one tick, which it then
                    // shows whole (the fill's snapshot already holds that tick's changes)
                    String join = "public." + transfers.totJoin;
                    long before = fills(join);
                    exec("SELECT pgtrickle.refresh_stream_table('" + join + "')");
                    await(join + " to be filled anew", sql(() -> fills(join) > before));
                    until.runOut();
                });
        assertEquals(2, fills(b), "one new fill after the refresh");
        assertEquals(2, fills("public." + transfers.totJoin), "one new fill after the refresh");
        InvariantRun.dropStreamTables(List.of(transfers));
    }
}
