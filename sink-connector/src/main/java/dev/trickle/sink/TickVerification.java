package dev.trickle.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The sink's part of {@code pgtrickle.verify_stream_table} (catalog migration V0_4_0_12): in the transaction
 * that applies a batch of ticks, after the data and the progress row, a verification pending for the batch's
 * last tick compares the stream table with the query's result at that tick (EXCEPT ALL both ways) and stores
 * the verdict, which commits with the tick. One index probe when nothing is pending; a failed comparison is
 * recorded as the verification's verdict and never fails the apply.
 */
final class TickVerification {
    private TickVerification() {
    }

    static void atApply(Connection conn, long pgtId, long lastTick) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pgtrickle._verify_at_apply(?, ?)")) {
            ps.setLong(1, pgtId);
            ps.setLong(2, lastTick);
            ps.execute();
        }
    }
}
