package dev.trickle.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles what Kafka has (the committed source offset, or what this task already handed out) with
 * the ticks PostgreSQL recorded. Ticks recorded but never delivered are replayed from their stored
 * snapshots (the buffers still hold their rows: cleanup only follows delivery). Initial fills cannot
 * be read again at an old snapshot, so the stream tables filled at those ticks are filled anew at the
 * next new tick.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /**
     * @param replayFrom first tick to replay ({@code replayTo < replayFrom}: none)
     * @param lastTick   the tick after which new ticks are numbered (after the replays)
     */
    record Plan(long replayFrom, long replayTo, long lastTick) {
        List<Long> replays() {
            return java.util.stream.LongStream.rangeClosed(replayFrom, replayTo).boxed().toList();
        }
    }

    private Recovery() {
    }

    /** {@code delivered}: the last tick completely in Kafka, or null when the offsets are unknown. */
    static Plan plan(Connection w, Long delivered, String database) throws SQLException {
        long recorded = Catalog.maxTick(w);
        if (delivered == null) {
            if (recorded > 0) {
                List<String> reset = Catalog.resetFills(w, null, 0);
                LOG.warn("No committed source offset for {} although {} tick(s) were taken before (the connector's "
                        + "offsets were lost or reset): cannot tell which ticks reached Kafka, so every stream table "
                        + "is filled again at the next tick ({})", database, recorded, reset);
            }
            return new Plan(1, 0, recorded);
        }
        if (delivered >= recorded) {
            if (delivered > recorded) {
                List<String> reset = Catalog.resetFills(w, null, 0);
                LOG.warn("Kafka has ticks up to {} but PostgreSQL {} only recorded ticks up to {} (was the database "
                        + "restored from a backup?): new ticks continue after {} and every stream table is filled "
                        + "again ({})", delivered, database, recorded, delivered, reset);
            }
            return new Plan(1, 0, delivered);
        }
        long first = Math.max(delivered, 1);
        if (Catalog.countTicks(w, first, recorded) != recorded - first + 1) {
            List<String> reset = Catalog.resetFills(w, null, 0);
            LOG.warn("Ticks {}..{} were recorded in {} but did not reach Kafka, and their snapshots are no longer "
                    + "all stored, so they cannot be sent again: every stream table is filled again at the next tick "
                    + "({})", delivered + 1, recorded, database, reset);
            return new Plan(1, 0, recorded);
        }
        List<String> reset = Catalog.resetFills(w, delivered, recorded);
        LOG.info("Ticks {}..{} were recorded in {} but did not reach Kafka: sending them again from their stored "
                + "snapshots before taking new ticks{}", delivered + 1, recorded, database,
                reset.isEmpty() ? "" : "; stream tables filled at those ticks are filled again at the next new tick "
                        + reset);
        return new Plan(delivered + 1, recorded, delivered);
    }
}
