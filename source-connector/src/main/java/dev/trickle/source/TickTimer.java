package dev.trickle.source;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interval's grid, and a thread of the task's own that takes each due tick's snapshot on it into the
 * {@link SnapshotQueue}, whatever the poll thread is doing meanwhile (reading a large tick, deleting delivered buffer
 * rows, waiting for Connect to flush and commit a tick's Kafka transaction): a tick's time is its snapshot's, so a
 * busy poll thread no longer makes the tick after it late (issue 10). The poll thread reads the held snapshots in
 * order, as it did with the ones it took ahead itself until session 13.
 *
 * <p>The timer is <i>armed</i> only while held snapshots are usable: from the start of the current sessions' first
 * live tick (whose snapshot, kept in memory once it is complete, the next tick reads from; every snapshot taken
 * after it is newer) until the sessions close (a failure, a reconnect, the task's stop). While it is disarmed, the poll thread takes ticks itself when {@link #dueNow} says so,
 * on the same grid. Every field is guarded by the queue's monitor (see {@link SnapshotQueue} for what that keeps
 * true); the thread waits on it, so that a consumed snapshot (room again), arming and shutting down wake it.
 */
final class TickTimer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);

    /** What the timer reads of the ticker when it takes a snapshot (from its own thread: volatile there). */
    interface State {
        /** The ticker's count of committed catalog writes (see {@link SnapshotQueue}). */
        long effects();

        /** The WAL slot exists: the snapshot is usable for WAL-captured sources and gets a marker. */
        boolean slotReady();

        /** WAL capture runs (for the message when the held snapshots run out). */
        boolean walStarted();

        /** The next tick to be handed out. */
        long nextTick();
    }

    private final SourceConfig config;
    private final SnapshotQueue queue;
    private final State state;
    private final long interval;
    private final String name;
    /** When the next tick is due (System.nanoTime()). */
    private long nextTickAt = System.nanoTime();
    private boolean armed;
    /** Test hook ({@link TrickleSourceTask#pauseTimer}): the timer takes nothing, as if disarmed. */
    private boolean paused;
    private boolean shutDown;
    private Thread thread;
    /** Writes the WAL markers of the snapshots the timer takes (autocommit); opened on first use. */
    private Connection marks;

    TickTimer(SourceConfig config, SnapshotQueue queue, State state, String name) {
        this.config = config;
        this.queue = queue;
        this.state = state;
        this.interval = TimeUnit.MILLISECONDS.toNanos(config.tickIntervalMs());
        this.name = name;
    }

    /**
     * The poll thread's clock while the timer is disarmed: whether a tick is due now (the grid then moves on to the
     * next one). Always false while armed: the timer takes the ticks then.
     */
    boolean dueNow() {
        synchronized (queue) {
            long now = System.nanoTime();
            if (armed && !paused || now - nextTickAt < 0) {
                return false;
            }
            nextTickAt = nextDue(now);
            return true;
        }
    }

    /** The next tick is due at once (a tick taken again after a restart). */
    void dueAtOnce() {
        synchronized (queue) {
            nextTickAt = System.nanoTime();
            queue.notifyAll();
        }
    }

    /** Milliseconds until the poll thread's next tick is due; Long.MAX_VALUE while the timer takes the ticks. */
    long millisToDue() {
        synchronized (queue) {
            return armed && !paused ? Long.MAX_VALUE : TimeUnit.NANOSECONDS.toMillis(nextTickAt - System.nanoTime());
        }
    }

    /** Waits up to {@code millis} for the poll thread's next work: returns early once a snapshot is held or at shut down. */
    void await(long millis) throws InterruptedException {
        synchronized (queue) {
            if (queue.isEmpty() && !shutDown && millis > 0) {
                queue.wait(millis);
            }
        }
    }

    /** The ticks' snapshots are taken by the timer from now on (a live tick of the sessions has begun). */
    void arm() {
        synchronized (queue) {
            if (armed || shutDown) {
                return;
            }
            armed = true;
            if (thread == null) {
                thread = new Thread(this::run, "trickle-tick-timer-" + name);
                thread.setDaemon(true);
                thread.start();
            }
            queue.notifyAll();
        }
    }

    /**
     * Test hook: while paused the timer takes nothing and the poll thread takes each due tick itself once no tick is
     * under way (as before session 13, without snapshots taken ahead), so that a test harness which writes between
     * polls knows the next tick's snapshot follows its writes.
     */
    void pause(boolean pause) {
        synchronized (queue) {
            paused = pause;
            queue.notifyAll();
        }
    }

    /** The poll thread takes ticks itself again (the caller drops or closes the held snapshots). */
    void disarm() {
        synchronized (queue) {
            armed = false;
            closeMarks();
        }
    }

    private void run() {
        synchronized (queue) {
            try {
                loop();
            } finally {
                // ended by an error too: the poll thread takes the ticks again, and a later arm() starts a new thread
                armed = false;
                thread = null;
            }
        }
    }

    private void loop() {
        synchronized (queue) {
            while (!shutDown) {
                try {
                    long now = System.nanoTime();
                    if (!armed || paused || now - nextTickAt < 0) {
                        TimeUnit.NANOSECONDS.timedWait(queue, armed && !paused ? nextTickAt - now : Long.MAX_VALUE);
                    } else if (!queue.room(state.walStarted(), state.nextTick())) {
                        queue.wait(); // until the poll thread reads or drops a held snapshot
                    } else {
                        nextTickAt = nextDue(now);
                        take();
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Takes the due tick's snapshot (with the tick's WAL marker while the slot exists); a failure disarms. */
    private void take() {
        long effects = state.effects(); // before the snapshot: every write counted in it is committed already
        boolean slot = state.slotReady();
        long tick = state.nextTick() + queue.size();
        try {
            queue.take(slot, effects, !slot ? null : () -> WalCapture.mark(marks(), tick));
        } catch (SQLException | RuntimeException e) {
            // the held ones go too: the poll thread takes the next tick itself (a fresh snapshot carries the gap)
            LOG.warn("Taking the snapshot of a coming tick failed ({}); the task takes the next tick itself", e.toString());
            queue.clear();
            disarm();
        }
    }

    private Connection marks() throws SQLException {
        if (marks == null) {
            marks = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "tick marks");
            marks.setAutoCommit(true);
        }
        return marks;
    }

    private void closeMarks() {
        PgConnections.closeQuietly(marks);
        marks = null;
    }

    /**
     * When the tick after one due at {@link #nextTickAt} and taken at {@code now} is due: an interval after it was
     * due, so that a tick taken a little late does not push every later tick back; an interval from now once the tick
     * was taken more than half an interval late (no tick was taken while the held snapshots ran out or the task was
     * away, and the ticks missed are not made up by ticks moments apart).
     */
    private long nextDue(long now) {
        return now - nextTickAt < interval / 2 ? nextTickAt + interval : now + interval;
    }

    /** Ends the thread (the task stops); the caller closes the queue. */
    @Override
    public void close() {
        Thread t;
        synchronized (queue) {
            shutDown = true;
            armed = false;
            closeMarks();
            queue.notifyAll();
            t = thread;
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("The tick timer thread {} did not stop within 10 s", t.getName());
            }
        }
    }
}
