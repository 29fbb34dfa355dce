package dev.trickle.sink;

import dev.trickle.core.records.DeltaRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The sink's apply path without Connect, for tools that compute a stream table's delta themselves (the
 * benchmark): one tick's delta rows go through the same {@link PendingTick} and {@link DeltaApplier} as in
 * {@code TrickleSinkTask} when it keeps up, one tick per transaction (COPY into the session's temporary
 * table, the delete and insert, the progress and history rows), so what it measures is what the connector does.
 */
public final class TickApplier implements AutoCloseable {
    private final DeltaApplier applier;

    /** What one applied tick wrote, and how long its transaction took. */
    public record Applied(long inserted, long deleted, double millis) {
    }

    /** Takes over {@code connection} (auto-commit off, closed with this object). */
    public TickApplier(Connection connection) throws SQLException {
        this.applier = new DeltaApplier(connection);
    }

    /**
     * Applies {@code rows} (delta records as decoded from the delta topic) as tick {@code tick} of stream table
     * {@code pgtId}; {@code initial} replaces the content (a fill). Throws when the sink did not apply it (a tick
     * already applied, a stream table gone or refused), with the reason.
     */
    public Applied apply(long pgtId, long tick, boolean initial, List<DeltaRecord.Row> rows) throws SQLException {
        PendingTick pending = new PendingTick(tick);
        long offset = 0;
        for (DeltaRecord.Row row : rows) {
            pending.addRow(0, offset++, row);
        }
        pending.addEnd(0, offset, new DeltaRecord.End(tick, pgtId, 0, 1, 1, System.currentTimeMillis(), initial));
        ApplyResult r = applier.apply(pending);
        if (r.outcome() != ApplyResult.Outcome.APPLIED) {
            throw new IllegalStateException("tick " + tick + " of stream table " + pgtId + " was not applied: "
                    + r.outcome() + (r.message() == null ? "" : " (" + r.message() + ")"));
        }
        return new Applied(r.inserted(), r.deleted(), r.millis());
    }

    @Override
    public void close() throws SQLException {
        applier.close();
    }
}
