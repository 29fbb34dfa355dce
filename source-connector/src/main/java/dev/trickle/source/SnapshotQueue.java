package dev.trickle.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of ticks taken on schedule by the {@link TickTimer} thread, held until the poll thread reads their ticks:
 * while an earlier tick is still handed out (the ticker pipelined) or waits for the WAL decoder, and while the poll
 * thread is busy with anything else (cleanup, Connect's commit of a tick's Kafka transaction). Each is exported ({@code pg_export_snapshot()}) by a read-only READ COMMITTED
 * transaction on a session of its own, which stays open until the tick's read session has imported it ({@code SET
 * TRANSACTION SNAPSHOT}): the tick then reads buffers, catalog, fills and FULL refreshes in exactly the snapshot
 * taken on time. One such transaction exports up to {@link #PER_HOLDER} consecutive snapshots, so holding many costs
 * few sessions. While WAL capture runs, the tick's WAL marker is written right after its snapshot is taken (see
 * {@link WalCapture#mark}): a held tick then waits for the decoder to pass its own marker, not a later one.
 *
 * <p>What holding them costs, and why up to {@link #DEFAULT_DEPTH} by default in both capture modes: a session per
 * {@link #PER_HOLDER} held (4 for 64), idle in its open transaction; VACUUM's horizon no further back than the tick
 * being handed out holds it anyway, plus up to {@link #PER_HOLDER} intervals (every held snapshot is newer than that
 * tick's, and a holder ends once its last snapshot is imported), so holding more does not keep more dead rows; an
 * exported snapshot's file in {@code pg_snapshots} and a few hundred bytes here each. What does grow with the depth:
 * a catalog write that drops every held snapshot (a fill made, something marked failed) now merges up to that many
 * intervals into the next tick, as ticks taken late would have carried them anyway; and a task that stays behind
 * hands out one small tick per interval instead of fewer large ones, each with its end markers, Kafka transaction
 * and sink transaction (see docs/operations.md, <i>Ticks while the task is behind</i>).
 *
 * <p>Such a snapshot does not see what the ticks still in flight when it was taken record when they complete. A
 * snapshot is only used while those effects are nothing but the ticks' own {@code pgt_ticks} rows, whose one use (the
 * previous tick's snapshot) the ticker knows from memory: {@code effects} counts the ticker's other catalog writes
 * (fills, FULL refreshes that filled, stream tables or sources marked failed), and a snapshot taken at another count
 * is dropped (the tick takes a fresh one), so that a fill never starts twice and nothing marked failed is read.
 *
 * <p>Why the tick invariants hold: a tick still reads everything (buffers, catalog, fills, FULL queries) in one real
 * snapshot, so ticks stay snapshots and sources stay consistent with each other; snapshots are taken in tick order,
 * each after the one before, so tick N's rows (visible in N, not in N-1, N-1's snapshot from memory, never an older
 * recorded one) are each change exactly once; a tick is recorded in {@code pgt_ticks} with the snapshot it read
 * before its last record leaves, as before, so crash replay (from recorded snapshots) is unchanged; a snapshot held
 * ahead and never recorded is simply lost with its session after a failure or restart, and the next tick takes a
 * fresh one that carries its changes. With WAL capture, every transaction a held snapshot sees committed before its
 * marker, so the tick's WAL-captured rows are all in the buffers once the decoder has passed that marker, as for a
 * snapshot the tick takes itself; a snapshot taken before the slot existed is not used for WAL-captured sources, and
 * the held markers go with a slot that is dropped.
 *
 * <p>Threads: the timer takes snapshots ({@link #take}), the poll thread reads and drops them ({@link #begin},
 * {@link #clear}); every method holds this object's monitor, which {@link TickTimer} also holds (and waits on) for
 * its schedule. So a snapshot is taken either entirely before or entirely after whatever the poll thread does under
 * the monitor: a fresh snapshot the tick takes itself clears the held ones first (all older), and only later ones
 * are held after it, so the snapshots a tick reads stay in tick order; the WAL slot is dropped under the monitor
 * together with the held snapshots, so no snapshot taken with the slot ready outlives it; {@code effects} is read
 * before a snapshot is taken and counted by the ticker only once its catalog write is committed, so a snapshot taken
 * at the current count sees every counted write.
 */
final class SnapshotQueue implements AutoCloseable {
    /**
     * Snapshots held at most unless {@code tick.snapshots.ahead} says otherwise, whether the task is behind Kafka
     * (trigger capture: a large tick is still handed out) or a tick waits for the WAL decoder (which may lag minutes
     * behind flat-out writers): every held snapshot keeps the tick after it one interval long, so {@value} intervals
     * (a minute at the default 1 s) pass before a tick is late. Until session 12 trigger capture held 3, and flat-out
     * writers made every third tick or so late by several intervals (docs/benchmarks.md).
     */
    static final int DEFAULT_DEPTH = 64;
    /**
     * Snapshots one holding transaction exports at most. A READ COMMITTED transaction exports a new snapshot with
     * each statement, and keeps each importable (and its rows) until it ends, which it does once all of them are
     * imported or dropped: so {@value} snapshots cost one session, and hold VACUUM's horizon back at most {@value}
     * intervals further than the tick being handed out does anyway.
     */
    static final int PER_HOLDER = 16;
    /** The ticker's logger: lateness belongs to taking ticks. */
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);
    private static final Pattern EXPORTED = Pattern.compile("[0-9A-Fa-f-]+");

    private final SourceConfig config;
    /** Snapshots held at most ({@code tick.snapshots.ahead}). */
    private final int depth;
    private final Deque<Taken> taken = new ArrayDeque<>();
    private final Deque<Connection> idle = new ArrayDeque<>();
    /** The holder the next snapshot is exported from while it has room; null: a new one begins. */
    private Holder filling;
    /** The held snapshots ran out (logged once until none is held). */
    private boolean reportedFull;

    /** A session whose open READ COMMITTED transaction exported {@code exported} snapshots, {@code held} of them waiting. */
    static final class Holder {
        private final Connection session;
        private int exported;
        private int held;

        private Holder(Connection session) {
            this.session = session;
        }
    }

    /** Writes a WAL marker right after a snapshot is taken, returning its position. */
    interface Marker {
        long mark() throws SQLException;
    }

    /**
     * A snapshot held by {@code holder}: {@code snapshot} as pg_snapshot text, {@code lsn} the WAL position then,
     * {@code millis} when it was taken (the tick's time), {@code slotReady} whether the WAL slot existed before it,
     * {@code effects} the ticker's count of catalog writes then, {@code marker} the position of the WAL marker
     * written right after it (0: none; only with {@code slotReady}).
     */
    record Taken(Holder holder, String exported, String snapshot, String lsn, long millis, boolean slotReady,
                 long effects, long marker) {
        /** Taken ahead and imported (else taken by the tick itself). */
        boolean ahead() {
            return exported != null;
        }
    }

    SnapshotQueue(SourceConfig config) {
        this.config = config;
        this.depth = config.tickSnapshotsAhead();
    }

    /**
     * Whether another snapshot may be held: fewer than {@code tick.snapshots.ahead} are. When they ran out, the ticks
     * are late (logged once until none is held again), and the next snapshot, taken once one is free, carries more
     * than an interval; {@code wal}: ticks wait for the WAL decoder (else for the task), for the message.
     */
    synchronized boolean room(boolean wal, long currentTick) {
        boolean full = taken.size() >= depth;
        if (full && !reportedFull && depth > 0) {
            reportedFull = true;
            LOG.warn("{} tick snapshots are held ahead of tick {}, the oldest taken {} s ago{}: ticks are late until "
                    + "{} catches up, and the next one carries more than one interval (at most {} are held: {})",
                    taken.size(), currentTick, (System.currentTimeMillis() - oldestMillis()) / 1000, wal
                    ? ", waiting for the WAL decoder (see pgtrickle.slot_health())" : "", wal ? "it" : "the task",
                    depth, SourceConfig.TICK_SNAPSHOTS_AHEAD);
        } else if (taken.isEmpty()) {
            reportedFull = false;
        }
        return !full;
    }

    synchronized boolean isEmpty() {
        return taken.isEmpty();
    }

    synchronized int size() {
        return taken.size();
    }

    /** When the oldest held snapshot was taken; 0 when none is held. */
    synchronized long oldestMillis() {
        Taken t = taken.peekFirst();
        return t == null ? 0 : t.millis();
    }

    /**
     * Takes a snapshot now and holds it for a later tick; {@code marker} (null: none) then writes the tick's WAL
     * marker, after the snapshot.
     */
    synchronized void take(boolean slotReady, long effects, Marker marker) throws SQLException {
        long millis = System.currentTimeMillis();
        Holder h = filling != null && filling.exported < PER_HOLDER ? filling
                : new Holder(idle.isEmpty() ? open() : idle.pollFirst());
        String exported;
        String snapshot;
        String lsn;
        try (Statement s = h.session.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pg_export_snapshot(), pg_current_snapshot(), pg_current_wal_lsn()")) {
            rs.next();
            exported = rs.getString(1);
            if (!EXPORTED.matcher(exported).matches()) {
                throw new IllegalStateException("PostgreSQL exported snapshot id '" + exported
                        + "', which is not of the form the ticker imports (hex digits and dashes)");
            }
            snapshot = rs.getString(2);
            lsn = rs.getString(3);
        } catch (SQLException | RuntimeException e) {
            drop(h);
            throw e;
        }
        h.exported++;
        h.held++;
        filling = h;
        long at;
        try {
            at = marker == null ? 0 : marker.mark();
        } catch (SQLException | RuntimeException e) {
            release(h); // a snapshot without its marker is not held
            throw e;
        }
        taken.addLast(new Taken(h, exported, snapshot, lsn, millis, slotReady, effects, at));
        notifyAll(); // a poll thread waiting for a tick's snapshot
    }

    /**
     * Whether a change buffer that {@code sources} (as a held snapshot's catalog lists them) name is gone: a snapshot
     * held ahead still sees a stream table dropped since, but its source's buffer may be dropped with it.
     * {@code to_regclass} looks at the tables as they are now, not as the snapshot saw them.
     */
    static boolean buffersGone(Connection read, List<CapturedSource> sources) throws SQLException {
        String[] buffers = sources.stream().filter(s -> !s.upstream()).map(CapturedSource::buffer).toArray(String[]::new);
        if (buffers.length == 0) {
            return false;
        }
        try (PreparedStatement ps = read.prepareStatement(
                "SELECT count(*) FILTER (WHERE to_regclass(b) IS NULL) > 0 FROM unnest(?::text[]) b")) {
            ps.setArray(1, read.createArrayOf("text", buffers));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Starts {@code read}'s transaction (none open) in the oldest snapshot held if it is usable ({@code aheadUsable}
     * and {@link #next}), else in a snapshot taken now, and says which; {@code slotReady}: the WAL slot's state
     * before either was taken.
     */
    synchronized Taken begin(Connection read, long effects, boolean aheadUsable, boolean slotReady) throws SQLException {
        Taken ahead = aheadUsable ? next(effects) : null;
        if (ahead != null) {
            importInto(ahead, read);
            return ahead;
        }
        clear();
        long millis = System.currentTimeMillis();
        try (Statement s = read.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_snapshot(), pg_current_wal_lsn()")) {
            rs.next();
            return new Taken(null, null, rs.getString(1), rs.getString(2), millis, slotReady, effects, 0);
        }
    }

    /**
     * The oldest snapshot held if it was taken at {@code effects} (then it must be imported);
     * null when none is held or the catalog writes since then make every held one unusable (all are dropped).
     */
    private Taken next(long effects) {
        Taken t = taken.peekFirst();
        if (t == null) {
            return null;
        }
        if (t.effects() != effects) {
            clear();
            return null;
        }
        notifyAll(); // room for the timer again
        return taken.pollFirst();
    }

    /**
     * Starts the read session's transaction in the snapshot {@code t} holds, then lets its holder go (the importing
     * transaction now keeps the snapshot's rows visible). {@code read} must have no open transaction.
     */
    private void importInto(Taken t, Connection read) throws SQLException {
        try (Statement s = read.createStatement()) {
            // the id comes from pg_export_snapshot() and was checked to be hex and dashes: safe to inline
            s.execute("SET TRANSACTION SNAPSHOT '" + t.exported() + "'");
        } finally {
            release(t.holder());
        }
    }

    /** Drops every held snapshot (the sessions stay open for the next ones). */
    synchronized void clear() {
        while (!taken.isEmpty()) {
            release(taken.pollFirst().holder());
        }
        notifyAll();
    }

    /** One snapshot of {@code h} is imported or dropped: its transaction ends with the last one. */
    private void release(Holder h) {
        if (--h.held > 0) {
            return;
        }
        if (filling == h) {
            filling = null;
        }
        try {
            h.session.rollback();
            idle.addLast(h.session);
        } catch (SQLException e) {
            PgConnections.closeQuietly(h.session);
        }
    }

    /** A holder whose session failed: its snapshots go (the tick attempt fails and the ticker reconnects). */
    private void drop(Holder h) {
        if (filling == h) {
            filling = null;
        }
        taken.removeIf(t -> t.holder() == h);
        PgConnections.closeQuietly(h.session);
    }

    private Connection open() throws SQLException {
        Connection c = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "tick snapshots");
        c.setAutoCommit(false);
        // each statement its own snapshot: one transaction exports many (see PER_HOLDER)
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        c.setReadOnly(true);
        return c;
    }

    @Override
    public synchronized void close() {
        taken.forEach(t -> PgConnections.closeQuietly(t.holder().session));
        taken.clear();
        if (filling != null) {
            PgConnections.closeQuietly(filling.session);
            filling = null;
        }
        idle.forEach(PgConnections::closeQuietly);
        idle.clear();
    }
}
