package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The consistency workloads with their sources captured from the WAL (issue 11): concurrent transfers between
 * accounts never show a wrong total, and long, savepoint, aborted and prepared transactions land exactly once,
 * while every stream table equals its query, as with triggers.
 */
class WalCaptureEndToEndTest extends E2eSupport {
    @Test
    void transfersAndTransactionShapesStayExactWithWalCapture() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        TransferWorkload transfers = new TransferWorkload("walt", violations, 3, 10);
        LedgerWorkload ledger = new LedgerWorkload("wall", violations, 2, 10);
        List<Workload> workloads = List.of(transfers, ledger);
        // new sources of this run are captured from the WAL (pgtrickle.cdc_mode for the sessions that create them)
        exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pgtrickle.cdc_mode = ''wal''', current_database()); END $$");
        try {
            Workload.createAll(workloads);
        } finally {
            exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET pgtrickle.cdc_mode', current_database()); END $$");
        }
        assertEquals("0", one("SELECT count(*) FROM pgtrickle.pgt_sources WHERE (source_name LIKE 'walt%' "
                + "OR source_name LIKE 'wall%') AND cdc_mode <> 'wal'"), "every source of the run is captured from the WAL");
        assertEquals("0", one("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                + "WHERE t.tgname LIKE 'pgt\\_cdc\\_%' AND (c.relname LIKE 'walt%' OR c.relname LIKE 'wall%')"));
        String report = InvariantRun.run("WAL capture", workloads, violations,
                Invariants.loadDuration(Duration.ofSeconds(20)), false, (runner, until) -> until.runOut());
        for (String shape : new String[] {"short", "savepoints", "aborted", "long committed", "prepared committed"}) {
            assertTrue(ledger.shapeCount(shape) > 0, "ran " + shape + " transactions: " + report);
        }
        assertTrue(ledger.maxTicksOpenLong() >= 5, "a long transaction stayed open across 5 ticks or more: " + report);
        assertEquals("t", one("SELECT confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots "
                + "WHERE database = current_database() AND slot_name LIKE 'pgtrickle_wal_%'"), "the catalog's slot is used");
        InvariantRun.dropStreamTables(workloads);
    }
}
