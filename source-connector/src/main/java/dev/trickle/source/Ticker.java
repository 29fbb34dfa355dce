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
 * a write session for the catalog. The task calls it from its poll thread only; its {@link TickTimer}'s thread takes
 * the ticks' snapshots into the {@link SnapshotQueue} meanwhile, reading {@link #effects}, the WAL slot's state and
 * {@link #lastSealed} (volatile for it).
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
    private volatile long lastSealed;
    /** What Kafka is known to hold when the sessions (re)open; null: unknown (no committed offset). */
    private Long delivered;
    private long lastCleaned;
    /** Snapshots taken on schedule while a tick is handed out, for the ticks after it. */
    private final SnapshotQueue snapshots;
    /** Takes the ticks' snapshots on time into {@link #snapshots} once armed. */
    private final TickTimer timer;
    /**
     * The ticker's catalog writes other than a tick's own pgt_ticks row, counted once committed (never before: the
     * timer reads the count before taking a snapshot): a held snapshot taken at another count may miss them (see
     * {@link SnapshotQueue}). Written by the poll thread only.
     */
    private volatile long effects;
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
        this.timer = new TickTimer(config, snapshots, new TickTimer.State() {
            @Override
            public long effects() {
                return effects;
            }

            @Override
            public boolean slotReady() {
                return wal.slotReady();
            }

            @Override
            public boolean walStarted() {
                return wal.started();
            }

            @Override
            public long nextTick() {
                return lastSealed + 1;
            }
        }, database);
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

    /** The grid of the ticks, and what takes their snapshots once armed. */
    TickTimer timer() {
        return timer;
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
        // the ticks after this one read from its snapshot, kept in memory: snapshots the timer takes from now on
        // (all newer than this one's) are usable
        timer.arm();
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
        boolean tidy = (wal.started() || !noSlot) && (!at.ahead() || walSources.isEmpty() && WalCapture.noWalSourceNow(write));
        if (tidy) {
            WalCapture.unpublishIdle(write);
        }
        if (walSources.isEmpty()) {
            if (tidy) {
                // under the queue's monitor: the timer takes no snapshot with the slot ready while it goes
                synchronized (snapshots) {
                    wal.dropSlot(write);
                    noSlot = true;
                    // their markers belong to the slot gone: a new slot's decoder never meets them
                    snapshots.clear();
                }
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

    /** Where the failures of tick {@code tick} go. */
    private TickReader.Failed failed(long tick) throws SQLException {
        return TickFailures.of(read, write, tick, shapes, () -> effects++);
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
            if (!filled.isEmpty()) {
                effects++; // committed with the tick
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
            PgConnections.closeQuietly(read);
            PgConnections.closeQuietly(walRead);
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

    /** The task stops: the sessions close and the timer's thread ends. */
    void shutdown() {
        timer.close();
        close();
    }

    @Override
    public void close() {
        timer.disarm();
        wal.close();
        snapshots.close();
        PgConnections.closeQuietly(read);
        PgConnections.closeQuietly(walRead);
        PgConnections.closeQuietly(write);
        fillProgress.close();
        read = null;
        walRead = null;
        write = null;
    }
}
