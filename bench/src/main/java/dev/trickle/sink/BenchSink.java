package dev.trickle.sink;

import dev.trickle.core.records.DeltaRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The sink's own apply path for the benchmark: one tick's consolidated delta goes through {@link PendingTick}
 * and {@link DeltaApplier} exactly as in {@code TrickleSinkTask} when the sink keeps up (one tick per
 * transaction: COPY into the session's temporary table, one statement that deletes through the whole-row hash
 * index and inserts, one for the progress and history rows). Lives in the sink's package because both classes
 * are package-private; nothing here is used by the connector.
 */
public final class BenchSink implements AutoCloseable {
    private final DeltaApplier applier;

    /** What one applied tick wrote. */
    public record Applied(long inserted, long deleted, double applierMillis) {
    }

    /** Takes over {@code connection} (auto-commit off, closed with this object). */
    public BenchSink(Connection connection) throws SQLException {
        this.applier = new DeltaApplier(connection);
    }

    /**
     * Applies {@code rows} (delta records already decoded from their topic) as tick {@code tick} of stream
     * table {@code pgtId}; {@code initial} replaces the content (a fill).
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

    /** Rows of a delta as the sink sees them after decoding: value lists with weights. */
    public static List<DeltaRecord.Row> rows(long tick, Map<List<String>, Long> delta) {
        return delta.entrySet().stream().map(e -> new DeltaRecord.Row(tick, e.getValue(), e.getKey())).toList();
    }

    @Override
    public void close() throws SQLException {
        applier.close();
    }
}
