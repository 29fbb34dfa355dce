package dev.trickle.source;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * Snapshots of ticks taken on schedule while an earlier tick is still handed out (the ticker pipelined). Each is a
 * REPEATABLE READ, read-only transaction on a session of its own that exported its snapshot
 * ({@code pg_export_snapshot()}) and stays open until the tick's read session imports it ({@code SET TRANSACTION
 * SNAPSHOT}): the tick then reads buffers, catalog, fills and FULL refreshes in exactly the snapshot taken on time.
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
 * fresh one that carries its changes. Not thread-safe: the task's poll thread only.
 */
final class SnapshotQueue implements AutoCloseable {
    /** Snapshots held at most: each holds a session and an open transaction (which holds back VACUUM's horizon). */
    static final int DEPTH = 3;
    private static final Pattern EXPORTED = Pattern.compile("[0-9A-Fa-f-]+");

    private final SourceConfig config;
    private final Deque<Taken> taken = new ArrayDeque<>();
    private final Deque<Connection> idle = new ArrayDeque<>();

    /**
     * A snapshot held by {@code holder}: {@code snapshot} as pg_snapshot text, {@code lsn} the WAL position then,
     * {@code millis} when it was taken (the tick's time), {@code slotReady} whether the WAL slot existed before it,
     * {@code effects} the ticker's count of catalog writes then.
     */
    record Taken(Connection holder, String exported, String snapshot, String lsn, long millis, boolean slotReady,
                 long effects) {
        /** Taken ahead and imported (else taken by the tick itself). */
        boolean ahead() {
            return exported != null;
        }
    }

    SnapshotQueue(SourceConfig config) {
        this.config = config;
    }

    boolean full() {
        return taken.size() >= DEPTH;
    }

    boolean isEmpty() {
        return taken.isEmpty();
    }

    int size() {
        return taken.size();
    }

    /** Takes a snapshot now and holds it for a later tick. */
    void take(boolean slotReady, long effects) throws SQLException {
        long millis = System.currentTimeMillis();
        Connection c = idle.isEmpty() ? open() : idle.pollFirst();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pg_export_snapshot(), pg_current_snapshot(), pg_current_wal_lsn()")) {
            rs.next();
            String exported = rs.getString(1);
            if (!EXPORTED.matcher(exported).matches()) {
                throw new IllegalStateException("PostgreSQL exported snapshot id '" + exported
                        + "', which is not of the form the ticker imports (hex digits and dashes)");
            }
            taken.addLast(new Taken(c, exported, rs.getString(2), rs.getString(3), millis, slotReady, effects));
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Starts {@code read}'s transaction (none open) in the oldest snapshot held if it is usable ({@code aheadUsable}
     * and {@link #next}), else in a snapshot taken now, and says which; {@code slotReady}: the WAL slot's state
     * before either was taken.
     */
    Taken begin(Connection read, long effects, boolean aheadUsable, boolean slotReady) throws SQLException {
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
            return new Taken(null, null, rs.getString(1), rs.getString(2), millis, slotReady, effects);
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
        return taken.pollFirst();
    }

    /**
     * Starts the read session's transaction in the snapshot {@code t} holds, then ends the holding transaction
     * (the importing one now keeps the snapshot's rows visible). {@code read} must have no open transaction.
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
    void clear() {
        while (!taken.isEmpty()) {
            release(taken.pollFirst().holder());
        }
    }

    private void release(Connection c) {
        try {
            c.rollback();
            idle.addLast(c);
        } catch (SQLException e) {
            closeQuietly(c);
        }
    }

    private Connection open() throws SQLException {
        Connection c = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "tick snapshots");
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        return c;
    }

    @Override
    public void close() {
        taken.forEach(t -> closeQuietly(t.holder()));
        taken.clear();
        idle.forEach(SnapshotQueue::closeQuietly);
        idle.clear();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing a broken session
        }
    }
}
