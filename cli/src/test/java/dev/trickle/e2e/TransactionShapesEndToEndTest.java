package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Invariant 2 for every shape of transaction: long ones open across many ticks, savepoints rolled back,
 * aborted ones, prepared ones committed (or rolled back) tens of ticks later. Nothing committed is lost,
 * nothing aborted appears, nothing appears twice, and no transaction is ever seen in part.
 * pgtrickle.open_transactions() names the open ones while they are open.
 */
class TransactionShapesEndToEndTest extends E2eSupport {
    @Test
    void longSavepointAbortedAndPreparedTransactionsLandExactlyOnce() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        LedgerWorkload ledger = new LedgerWorkload("tx", violations, 2, 10);
        Workload.createAll(List.of(ledger));
        String report = InvariantRun.run("transaction shapes", List.of(ledger), violations,
                Invariants.loadDuration(Duration.ofSeconds(20)), false, (runner, until) -> until.runOut());
        for (String shape : new String[] {"short", "savepoints", "aborted", "updates", "deletes", "long committed",
                "prepared committed"}) {
            assertTrue(ledger.shapeCount(shape) > 0, "ran " + shape + " transactions: " + report);
        }
        assertTrue(ledger.maxTicksOpenLong() >= 5, "a long transaction stayed open across 5 ticks or more: " + report);
        assertTrue(ledger.maxTicksOpenPrepared() >= 5, "a prepared transaction stayed open across 5 ticks or more: " + report);
        assertTrue(ledger.preparedNote() != null && ledger.preparedNote().contains("after COMMIT PREPARED"),
                "open_transactions() says when a prepared transaction lands: " + ledger.preparedNote());
        InvariantRun.dropStreamTables(List.of(ledger));
    }
}
