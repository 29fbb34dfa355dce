package dev.trickle.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the failures of one tick go: the sources it leaves unread (as its snapshot sees the catalog), stream tables
 * whose fill failed and sources that could not be read, recorded on the ticker's write session (each committed at
 * once, then counted by {@code counted}: a held snapshot taken before may miss it, see {@link SnapshotQueue}).
 */
final class TickFailures implements TickReader.Failed {
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

    private final Connection write;
    private final long tick;
    private final Set<Long> unread;
    private final ShapeCheck shapes;
    private final Runnable counted;

    private TickFailures(Connection write, long tick, Set<Long> unread, ShapeCheck shapes, Runnable counted) {
        this.write = write;
        this.tick = tick;
        this.unread = unread;
        this.shapes = shapes;
        this.counted = counted;
    }

    /** Tick {@code tick}'s failures; {@code read} is in its snapshot. */
    static TickFailures of(Connection read, Connection write, long tick, ShapeCheck shapes, Runnable counted)
            throws SQLException {
        return new TickFailures(write, tick, Catalog.unreadSources(read), shapes, counted);
    }

    @Override
    public Set<Long> unread() {
        return unread;
    }

    @Override
    public void fill(Catalog.Fill fill, String message) throws SQLException {
        Catalog.markRefreshFailed(write, fill.pgtId(), message);
        counted.run();
        LOG.warn("Stream table {} is now in ERROR: {}", fill.displayName(), message);
    }

    @Override
    public boolean sameColumns(CapturedSource source, List<String> columns) {
        return shapes.sameColumns(source, columns);
    }

    @Override
    public void source(CapturedSource source, String message) throws SQLException {
        List<String> failed = Catalog.markSourceFailed(write, source, tick, message);
        counted.run();
        unread.add(source.relid());
        LOG.warn("The changes of source table {} could not be read at tick {}: {}. The other sources go on; "
                + "stream tables over it are now in ERROR until they are refreshed: {}", source.displayName(),
                tick, message, failed);
    }
}
