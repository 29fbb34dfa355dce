package dev.trickle.source;

import dev.trickle.core.catalog.CatalogInstaller;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes ticks and replays stored ones, on two PostgreSQL sessions: a read session whose REPEATABLE
 * READ, read-only transaction is the tick's snapshot and stays open until the tick is handed out, and
 * a write session for the catalog. Not thread-safe: the task calls it from its poll thread only.
 */
final class Ticker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

    private final SourceConfig config;
    private final RecordFactory records;
    private final DeliveryTracker tracker;
    private final String database;
    private final Deque<Long> replays = new ArrayDeque<>();
    private final Set<Long> droppedReported = new HashSet<>();
    private final ShapeCheck shapes = new ShapeCheck();
    private final FillProgress fillProgress;
    private final WalCapture wal;
    private Connection read;
    /** Reads the buffers of WAL-captured sources in a live tick, once the decoder has passed the tick's marker. */
    private Connection walRead;
    /** No replication slot of this catalog is left over (checked once no source is captured from the WAL). */
    private boolean noSlot;
    private Connection write;
    /** Ticks up to this one are handed out completely (or known to be in Kafka). */
    private long lastSealed;
    /** What Kafka is known to hold when the sessions (re)open; null: unknown (no committed offset). */
    private Long delivered;
    private long lastCleaned;
    /** Snapshots taken on schedule while a tick is handed out, for the ticks after it. */
    private final SnapshotQueue snapshots;
    /**
     * The ticker's catalog writes other than a tick's own pgt_ticks row, counted: a held snapshot taken at another
     * count may miss them (see {@link SnapshotQueue}).
     */
    private long effects;
    /** The snapshot of tick {@link #lastSealed} if this session took it live (what a held snapshot's tick reads from). */
    private String sealedSnapshot;

    Ticker(SourceConfig config, RecordFactory records, DeliveryTracker tracker, Long committedTick) {
        this.config = config;
        this.records = records;
        this.tracker = tracker;
        this.database = records.sourcePartition().get("database");
        this.delivered = committedTick;
        this.fillProgress = new FillProgress(config);
        this.wal = new WalCapture(config);
        this.snapshots = new SnapshotQueue(config);
    }

    boolean connected() {
        return write != null;
    }

    /** Opens the sessions and reconciles Kafka with the recorded ticks (at start and after any failure). */
    void connect() throws SQLException {
        close();
        write = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "catalog");
        write.setAutoCommit(false);
        if (!Catalog.installed(write)) {
            // normally the connector installed it; a task started on its own must not fail on that
            CatalogInstaller.install(config.pgUrl(), config.pgUser(), config.pgPassword());
        }
        CdcSettings.record(write, config.cdcMode());
        write.commit();
        Recovery.Plan plan = Recovery.plan(write, delivered, database);
        replays.clear();
        replays.addAll(plan.replays());
        lastSealed = plan.lastTick();
        sealedSnapshot = null;
        delivered = lastSealed;
        write.commit();
    }

    boolean replayPending() {
        return !replays.isEmpty();
    }

    long nextTick() {
        return lastSealed + 1;
    }

    /**
     * Whether the next tick's snapshot may be taken now, while live tick {@code current} is still handed out or
     * waits for the WAL decoder (see {@link SnapshotQueue#room}).
     */
    boolean canTakeAhead(TickReader current) {
        return current.live != null && snapshots.room(wal.started(), current.tick.tick);
    }

    /**
     * Takes the snapshot of a coming tick now (the tick reads it once the ticks before it are complete), and while
     * the WAL slot exists, the tick's WAL marker right after it.
     */
    void takeAhead() throws SQLException {
        boolean slot = wal.slotReady();
        long tick = lastSealed + 2 + snapshots.size();
        snapshots.take(slot, effects, !slot ? null : () -> {
            long marker = WalCapture.mark(write, tick);
            write.commit();
            return marker;
        });
    }

    /** Snapshots held for coming ticks. */
    int snapshotsHeld() {
        return snapshots.size();
    }

    /** A snapshot taken ahead waits for its tick. */
    boolean snapshotWaiting() {
        return !snapshots.isEmpty();
    }

    /** Begins a new tick; null when no source table is captured yet (nothing to tick for). */
    TickReader startLive() throws SQLException {
        long tick = lastSealed + 1;
        beginSnapshot();
        // the slot is checked before the snapshot: a WAL-captured source is only read at ticks whose snapshot is
        // later than its slot's creation
        SnapshotQueue.Taken at = snapshots.begin(read, effects, sealedSnapshot != null, wal.slotReady());
        // a snapshot taken ahead does not see the pgt_ticks rows of the ticks completed since: the last one's is here
        String previous = at.ahead() ? sealedSnapshot : previousSnapshot(tick);
        String snapshot = at.snapshot();
        boolean slotBefore = at.slotReady();
        List<CapturedSource> sources = liveSources(Catalog.sources(read, null));
        if (at.ahead() && SnapshotQueue.buffersGone(read, sources)) {
            // a stream table dropped since took its source's buffer along: the tick takes a fresh snapshot
            read.rollback();
            snapshots.clear();
            return startLive();
        }
        if (sources.isEmpty()) {
            read.rollback();
            return null;
        }
        Set<Long> walSources = Catalog.walSources(read);
        if (!walSources.isEmpty() && !slotBefore) {
            startWal();
            read.rollback();
            return null;
        }
        TickReader.Wal walTick = walTick(tick, walSources, at);
        Set<Long> stopped = shapes.run(read, write, sources, tick);
        if (!stopped.isEmpty()) {
            effects++;
        }
        TickReader.LiveTick due = DueTables.of(read, tick, snapshot, at.lsn(), sources, stopped);
        TickReader.Failed failed = failed(tick);
        // nothing may fail between here and the reader's creation: the task abandons only readers it has
        RecordFactory.Tick t = records.forTick(tick, at.millis(), tracker.begin(tick));
        return TickReader.live(read, t, sources, previous, due,
                records.partitions(), config.batchSize(), this::refreshFailed, failed, fillProgress, walTick);
    }

    /** The snapshot of the tick before {@code tick} as recorded; null if none. */
    private String previousSnapshot(long tick) throws SQLException {
        Catalog.StoredTick previous = Catalog.tickBefore(read, tick);
        if (previous == null && tick > 1) {
            LOG.warn("The ticks before tick {} are missing from pgtrickle.pgt_ticks (deleted by hand?): tick {} "
                    + "carries every change still in the buffers, some of which may have been sent before", tick, tick);
        }
        return previous == null ? null : previous.snapshot();
    }

    /** Starts WAL capture (its slot first): the next tick whose snapshot follows the slot reads WAL-captured sources. */
    private void startWal() throws SQLException {
        if (!wal.started()) {
            LOG.info("Sources are captured from the WAL: starting WAL capture; their ticks begin once the slot exists");
            wal.start(WalCapture.slotName(write));
            write.commit();
            noSlot = false;
        }
        wal.check();
    }

    /**
     * The WAL part of a new tick: a marker written into the WAL after its snapshot (written when it was taken ahead,
     * else now), which the tick's reading of WAL-captured sources waits for. With no WAL-captured source left, the
     * decoder stops and its slot goes, and with it the held snapshots' markers. A snapshot held ahead tidies the
     * publication and the slot only if neither it nor the catalog now has a WAL-captured source: it may still see
     * sources the publication no longer needs now (a publication dropped under a running decoder stops it for good:
     * pgoutput looks it up as of each change), or miss one switched to the WAL since (whose changes the slot keeps).
     */
    private TickReader.Wal walTick(long tick, Set<Long> walSources, SnapshotQueue.Taken at) throws SQLException {
        boolean tidy = (wal.started() || !noSlot) && (!at.ahead() || walSources.isEmpty() && noWalSourceNow());
        if (tidy) {
            unpublishIdle();
        }
        if (walSources.isEmpty()) {
            if (tidy) {
                wal.dropSlot(write);
                noSlot = true;
                // their markers belong to the slot gone: a new slot's decoder never meets them
                snapshots.clear();
            }
            return null;
        }
        wal.check();
        long marker = at.marker();
        if (marker == 0) {
            marker = WalCapture.mark(write, tick);
            write.commit();
        }
        if (walRead == null) {
            walRead = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "wal ticks");
            walRead.setAutoCommit(false);
            walRead.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            walRead.setReadOnly(true);
        }
        return new TickReader.Wal(walRead, walSources, wal.barrier(marker));
    }

    /** No source is captured from the WAL (or has a switch pending) as the catalog is now. */
    private boolean noWalSourceNow() throws SQLException {
        boolean none = Catalog.walSources(write).isEmpty();
        write.commit();
        return none;
    }

    /**
     * Sources switched from WAL to trigger capture leave the publication once the decoder has passed their switch (a
     * source held by a writer now is left for a later tick), so that their changes are no longer decoded.
     */
    private void unpublishIdle() throws SQLException {
        try (Statement s = write.createStatement();
             ResultSet rs = s.executeQuery("SELECT pgtrickle._wal_unpublish_idle()")) {
            rs.next();
            if (rs.getInt(1) > 0) {
                LOG.info("{} source(s) no longer captured from the WAL left publication {}", rs.getInt(1),
                        WalCapture.PUBLICATION);
            }
        }
        write.commit();
    }

    /** The sources tick {@code tick} leaves unread (as its snapshot sees the catalog), and where failures go. */
    private TickReader.Failed failed(long tick) throws SQLException {
        Set<Long> unread = Catalog.unreadSources(read);
        return new TickReader.Failed() {
            @Override
            public Set<Long> unread() {
                return unread;
            }

            @Override
            public void fill(Catalog.Fill fill, String message) throws SQLException {
                Catalog.markRefreshFailed(write, fill.pgtId(), message);
                effects++;
                LOG.warn("Stream table {} is now in ERROR: {}", fill.displayName(), message);
            }

            @Override
            public boolean sameColumns(CapturedSource source, List<String> columns) {
                return shapes.sameColumns(source, columns);
            }

            @Override
            public void source(CapturedSource source, String message) throws SQLException {
                List<String> failed = Catalog.markSourceFailed(write, source, tick, message);
                effects++;
                unread.add(source.relid());
                LOG.warn("The changes of source table {} could not be read at tick {}: {}. The other sources go on; "
                        + "stream tables over it are now in ERROR until they are refreshed: {}", source.displayName(),
                        tick, message, failed);
            }
        };
    }

    /** A FULL refresh failed at the tick being read: recorded at once, so that a retaken tick leaves it out. */
    private void refreshFailed(Catalog.FullTable table, String message) throws SQLException {
        Catalog.markRefreshFailed(write, table.pgtId(), message);
        effects++;
    }

    /** Begins handing out stored tick {@code replays.peek()} again; null when it has nothing to send. */
    TickReader startReplay() throws SQLException {
        long tick = replays.pollFirst();
        Catalog.StoredTick stored = Catalog.tick(write, tick);
        Catalog.StoredTick previous = tick > 1 ? Catalog.tick(write, tick - 1) : null;
        write.commit();
        beginSnapshot();
        List<CapturedSource> sources = liveSources(Catalog.sources(read, tick));
        if (stored == null || sources.isEmpty()) {
            read.rollback();
            lastSealed = tick;
            return null;
        }
        TickReader.Failed failed = failed(tick);
        RecordFactory.Tick t = records.forTick(tick, stored.millis(), tracker.begin(tick));
        return TickReader.replay(read, t, sources, stored.snapshot(), previous == null ? null : previous.snapshot(),
                records.partitions(), config.batchSize(), failed);
    }

    /**
     * All records of the tick are read: a new tick is recorded (with the stream tables it filled) and
     * its snapshot released. Only after this may the tick's last record leave the task.
     */
    void complete(TickReader r) throws SQLException {
        TickReader.LiveTick live = r.live;
        if (live != null) {
            List<Long> filled = r.filled();
            if (!filled.isEmpty()) {
                effects++;
            }
            try {
                Catalog.recordTick(write, r.tick.tick, live.snapshot(), live.lsn(), r.changeRows(), r.tick.tickMillis,
                        filled);
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    throw new IllegalStateException("Tick " + r.tick.tick + " was recorded in " + database
                            + " by someone else: another Trickle source connector seems to take ticks on this "
                            + "database. Run exactly one source connector per database.", e);
                }
                throw e;
            }
            // the tick is recorded and its snapshot still held: evaluate the queries asked to be verified at it
            TickVerifier.run(read, write, r.tick.tick, live.snapshot());
        }
        try {
            if (walRead != null) {
                walRead.commit();
            }
            read.commit();
        } catch (SQLException e) {
            // the tick is recorded; the read-only transaction only held the snapshot
            LOG.debug("Ending the read transaction of tick {} failed; reconnecting later", r.tick.tick, e);
            closeQuietly(read);
            closeQuietly(walRead);
            read = null;
            walRead = null;
        }
        lastSealed = r.tick.tick;
        sealedSnapshot = live == null ? null : live.snapshot();
        delivered = lastSealed;
    }

    /** Deletes buffer rows of ticks known to be in Kafka. */
    void cleanup() throws SQLException {
        long upTo = tracker.cleanableUpTo();
        if (upTo <= lastCleaned) {
            return;
        }
        BufferCleaner.clean(write, upTo);
        lastCleaned = upTo;
    }

    /** A tick attempt failed: what it handed out is void, and the next connect reconciles again. */
    void abandon(TickReader r) {
        if (r != null) {
            r.close();
            tracker.abandon(r.tick.delivery);
        }
        close();
    }

    /** The next statement on the read session starts a REPEATABLE READ transaction: its snapshot is the tick's. */
    private void beginSnapshot() throws SQLException {
        if (read == null) {
            read = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "ticks");
            read.setAutoCommit(false);
            read.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            read.setReadOnly(true);
        }
    }

    /** Sources whose table still exists; stream tables on a dropped one are marked failed once. */
    private List<CapturedSource> liveSources(List<CapturedSource> all) throws SQLException {
        List<CapturedSource> live = new ArrayList<>();
        for (CapturedSource s : all) {
            if (!s.dropped()) {
                live.add(s);
            } else if (!droppedReported.contains(s.relid())) {
                List<String> failed = Catalog.markSourceDropped(write, s);
                effects++;
                droppedReported.add(s.relid());
                LOG.warn("Source table {} was dropped: its changes are no longer captured{}", s.displayName(),
                        failed.isEmpty() ? "" : "; stream tables reading it are now in ERROR: " + failed);
            }
        }
        return live;
    }

    @Override
    public void close() {
        wal.close();
        snapshots.close();
        closeQuietly(read);
        closeQuietly(walRead);
        closeQuietly(write);
        fillProgress.close();
        read = null;
        walRead = null;
        write = null;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a broken session
            }
        }
    }
}
