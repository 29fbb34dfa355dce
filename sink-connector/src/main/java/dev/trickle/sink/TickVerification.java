package dev.trickle.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The sink's part of {@code pgtrickle.verify_stream_table} (catalog migration V0_4_0_13): in the transaction
 * that applies a batch of ticks, a verification pending for tick N of the stream table compares the stream
 * table as of N with the query's result at N (EXCEPT ALL both ways) and stores the verdict, which commits
 * with the ticks. A batch that runs past N is written in two parts in that one transaction (ticks up to N,
 * the comparison, the rest), so that batching never hides the verified tick. One index probe per batch when
 * nothing is pending ({@link #PENDING}); a failed comparison is the verification's verdict and never fails the apply.
 */
final class TickVerification {
    private TickVerification() {
    }

    /**
     * The tick of the oldest verification of the stream table (parameter 1) pending up to the batch's last tick
     * (parameter 2), NULL when none: a scalar subquery of the sink's first statement in the transaction
     * (DeltaApplier's precheck), one index probe.
     */
    static final String PENDING = "SELECT min(tick_id) FROM pgtrickle.pgt_verifications "
            + "WHERE pgt_id = ? AND status = 'PENDING' AND tick_id <= ?";

    /**
     * The batch as the ticks up to {@code tick} and the ticks after it, when {@code tick} is inside the batch
     * and not its last; null otherwise (compare after the whole batch: at its last tick, or a verification
     * whose tick the stream table passed before the batch, which the comparison marks MISSED).
     */
    static TickBatch[] split(TickBatch batch, long tick) {
        if (tick < batch.firstTick() || tick >= batch.lastTick()) {
            return null;
        }
        List<PendingTick> upTo = batch.ticks().stream().filter(t -> t.tick() <= tick).toList();
        List<PendingTick> after = batch.ticks().stream().filter(t -> t.tick() > tick).toList();
        if (upTo.get(upTo.size() - 1).tick() != tick) {
            return null; // the stream table has no tick N of its own in this batch: it cannot show N
        }
        return new TickBatch[] {TickBatch.of(upTo), TickBatch.of(after)};
    }

    /** Compares a verification pending for {@code tick}, the tick the stream table is at in this transaction. */
    static void compare(Connection conn, long pgtId, long tick) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pgtrickle._verify_at_apply(?, ?)")) {
            ps.setLong(1, pgtId);
            ps.setLong(2, tick);
            ps.execute();
        }
    }
}
