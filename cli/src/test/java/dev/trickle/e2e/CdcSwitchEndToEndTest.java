package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Switching sources between trigger and WAL capture under concurrent transfers (issue 11): the total across both
 * account tables never changes at any tick, and every stream table equals its query afterwards, although each
 * source switched four times while writers ran, once through alter_stream_table and once through
 * set_source_cdc_mode per round.
 */
class CdcSwitchEndToEndTest extends E2eSupport {
    @Test
    void streamTablesStayExactWhileTheirSourcesSwitchCaptureUnderWriters() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        TransferWorkload transfers = new TransferWorkload("cdcsw", violations, 3, 10, false);
        List<Workload> workloads = List.of(transfers);
        // created on the WAL, so that the slot exists and no switch needs a refill
        exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pgtrickle.cdc_mode = ''wal''', current_database()); END $$");
        try {
            Workload.createAll(workloads);
        } finally {
            exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET pgtrickle.cdc_mode', current_database()); END $$");
        }
        // one of the two tables always stays on the WAL (the slot stays while a source is WAL-captured)
        String[][] steps = {
            {"alter", transfers.totA, "trigger"}, {"source", "cdcsw_acct_a", "wal"},
            {"alter", transfers.totB, "trigger"}, {"source", "cdcsw_acct_b", "wal"}};
        int[] switched = {0};
        String report = InvariantRun.run("capture switches", workloads, violations,
                // the load lasts as long as the switches take (a cap, not a duration to fill)
                Invariants.loadDuration(Duration.ofSeconds(120)), false, (runner, until) -> {
                    for (int round = 0; round < 2 && !until.over(); round++) {
                        for (String[] step : steps) {
                            long tick = currentTick();
                            // ticks of writes between two switches
                            await("two ticks after tick " + tick, sql(() -> currentTick() >= tick + 2));
                            if (until.over()) {
                                return;
                            }
                            exec(step[0].equals("alter")
                                    ? "SELECT pgtrickle.alter_stream_table('" + step[1] + "', cdc_mode => '" + step[2] + "')"
                                    : "SELECT pgtrickle.set_source_cdc_mode('" + step[1] + "', '" + step[2] + "')");
                            switched[0]++;
                        }
                    }
                    long tick = currentTick();
                    await("two ticks after the last switch", sql(() -> until.over() || currentTick() >= tick + 2));
                });
        assertEquals(8, switched[0], "every switch was made while the transfers ran: " + report);
        assertEquals("wal,wal", one("SELECT string_agg(cdc_mode, ',' ORDER BY source_name) FROM pgtrickle.pgt_sources "
                + "WHERE source_name LIKE 'cdcsw%'"));
        await("the decoder to pass every switch", sql(() -> "0".equals(one(
                "SELECT count(*) FROM pgtrickle.pgt_cdc_switches"))));
        assertEquals("t", one("SELECT bool_and(healthy) FROM pgtrickle.check_cdc_health() WHERE source_table LIKE 'public.cdcsw%'"));
        InvariantRun.dropStreamTables(workloads);
    }
}
