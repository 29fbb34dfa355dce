package dev.trickle.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 under concurrent multi-table transfers: a reader polling the totals never sees a wrong
 * grand total, and stream tables read at the same tick agree. Also checks that the change buffers stay
 * bounded under the steady load and drain afterwards.
 */
class TransferInvariantEndToEndTest extends E2eSupport {
    @Test
    void concurrentTransfersNeverShowAWrongTotal() throws Exception {
        Invariants.Violations violations = new Invariants.Violations();
        TransferWorkload transfers = new TransferWorkload("tr", violations, 3, 10);
        Workload.createAll(List.of(transfers));
        long first = currentTick();
        long[] maxPending = new long[1];
        InvariantRun.run("transfers", List.of(transfers), violations, Invariants.loadDuration(Duration.ofSeconds(15)), false,
                (runner, until) -> {
                    until.runOut();
                    maxPending[0] = runner.buffers().maxPending();
                    assertTrue(runner.buffers().samples() >= 5, "the change buffers were sampled");
                });
        // bounded: the buffers held at most a small part of what passed through them
        long captured = Long.parseLong(one("SELECT coalesce(sum(rows_captured), 0) FROM pgtrickle.pgt_ticks WHERE tick_id > "
                + first));
        assertTrue(captured > 0, "changes were captured");
        assertTrue(maxPending[0] * 4 < captured, "the change buffers held at most " + maxPending[0] + " rows at a time while "
                + captured + " passed through them");
        InvariantRun.dropStreamTables(List.of(transfers));
    }
}
