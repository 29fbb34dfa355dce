package dev.trickle.source;

import dev.trickle.core.metrics.Gauges;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.TransactionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out ticks: first any recorded ticks that never reached Kafka, then a new tick every
 * {@code tick.interval.ms}, each in batches of at most {@code batch.size} records. With exactly-once
 * delivery every tick is one Kafka transaction, committed on its last record; a tick that fails
 * half-way is aborted and taken again. The ticks' snapshots are taken on time by the ticker's
 * {@link TickTimer} thread while this poll thread is busy; the poll thread reads them in order.
 */
public final class TrickleSourceTask extends SourceTask {
    private static final Logger LOG = LoggerFactory.getLogger(TrickleSourceTask.class);
    /** poll() returns at least this often, so that Connect can stop or pause the task promptly. */
    private static final long MAX_WAIT_MS = 500;
    /**
     * Reconnection pauses while PostgreSQL is away: 250 ms, 500 ms, then every second (plus up to a fifth of it at
     * random, so that several tasks do not knock at the same instant). A PostgreSQL restart takes a few seconds; a
     * pause that kept growing (it used to reach 30 s) left the ticks stopped for that long after it was back.
     */
    private static final long MAX_BACKOFF_MS = 1_000;
    /** Pauses after failures that are not a lost connection grow to this. */
    private static final long MAX_FAILURE_BACKOFF_MS = 30_000;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean stopping;
    private SourceConfig config;
    private String database;
    private DeliveryTracker tracker;
    private Ticker ticker;
    private TransactionContext transactions;
    private TickReader current;
    private SourceMetrics metrics;
    private long retryAt;
    private long pauseMs;
    private int failures;
    private boolean announced;

    @Override
    public String version() {
        return Version.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        try {
            config = new SourceConfig(props);
        } catch (ConfigException e) {
            throw new ConnectException("Invalid Trickle source connector configuration: " + e.getMessage(), e);
        }
        database = PgConnections.redact(config.pgUrl());
        RecordFactory records = new RecordFactory(config.topicPrefix(), config.topicPartitions(), database,
                config.decimalHandling());
        transactions = context.transactionContext();
        Map<String, Object> offset = context.offsetStorageReader().offset(records.sourcePartition());
        Long committed = RecordFactory.committedTick(offset);
        tracker = new DeliveryTracker(transactions != null, committed == null ? 0 : committed);
        ticker = new Ticker(config, records, tracker, committed);
        metrics = new SourceMetrics(context == null ? Gauges.NONE : Gauges.ofPlugin(context::pluginMetrics), config);
        retryAt = System.nanoTime();
        if (transactions == null) {
            LOG.warn("Exactly-once delivery is off for the Trickle source connector on {}: after a crash a tick may "
                    + "reach the change topics twice. Run the Connect worker with exactly.once.source.support=enabled "
                    + "and the connector with transaction.boundary=connector.", database);
        }
        LOG.info("Trickle source task started for {}: last tick in Kafka {}, a tick every {} ms, {} partitions per "
                + "change topic", database, committed == null ? "none" : committed, config.tickIntervalMs(),
                config.topicPartitions());
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        long waitMs;
        lock.lock();
        try {
            if (stopping) {
                return null;
            }
            List<SourceRecord> batch = step();
            metrics.snapshotsHeld(ticker.snapshotsHeld());
            if (batch != null && !batch.isEmpty()) {
                return batch;
            }
            waitMs = current != null || ticker.replayPending() || ticker.snapshotWaiting() ? 0
                    : ticker.connected() ? ticker.timer().millisToDue()
                    : TimeUnit.NANOSECONDS.toMillis(retryAt - System.nanoTime());
        } catch (SQLException e) {
            throw failure(e);
        } catch (FullRefresh.TickRestart e) {
            boolean handedOut = current != null && current.tick.delivery.handedOut() > 0;
            LOG.warn("{}{}", e.getMessage(), handedOut ? ": aborting what was handed out of it" : "");
            abandonCurrent();
            ticker.timer().dueAtOnce();
            return null;
        } catch (IllegalStateException e) {
            // the catalog contradicts what the task knows (another connector taking ticks of this database,
            // say): nothing a retry at once would change, but one after a pause may, once that is fixed
            backOff(false);
            throw retryLater(e.getMessage() + ". Check the Trickle catalog (schema pgtrickle) and that only one Trickle "
                    + "source connector runs for " + database, e);
        } finally {
            lock.unlock();
        }
        if (waitMs > 0) {
            // woken early by a snapshot the timer takes, and by stop()
            ticker.timer().await(Math.min(waitMs, MAX_WAIT_MS));
        }
        return null;
    }

    /** Next batch, or null when there is nothing to do yet. */
    private List<SourceRecord> step() throws SQLException {
        long now = System.nanoTime();
        if (!ticker.connected()) {
            if (now - retryAt < 0) {
                return null;
            }
            ticker.connect();
            LOG.info("{} ticks of {}: next tick {}", announced ? "Resuming" : "Taking", database, ticker.nextTick());
            announced = true;
        }
        if (current == null) {
            ticker.cleanup();
            if (ticker.replayPending()) {
                current = ticker.startReplay();
            } else if (ticker.snapshotWaiting()) {
                current = ticker.startLive(); // its snapshot was taken on time by the timer
            } else if (ticker.timer().dueNow()) {
                current = ticker.startLive(); // the timer is not armed (first tick of the sessions): taken now
            }
            if (current == null) {
                return null;
            }
        }
        List<SourceRecord> batch = current.next(config.batchSize());
        DeliveryTracker.TickDelivery delivery = current.tick.delivery;
        if (current.finished()) {
            // the tick is recorded in PostgreSQL before its last record may reach Kafka: a crash in between
            // leaves a recorded tick that recovery sends again, never a delivered tick that is not recorded
            ticker.complete(current);
            metrics.tickTaken(delivery.tick, current.tick.tickMillis, current.changeRows());
            failures = 0; // only a whole tick shows that the trouble is over: a bare reconnect may fail again
            delivery.handedOut(batch.size());
            delivery.seal();
            if (transactions != null) {
                transactions.commitTransaction(current.lastRecord());
            }
            LOG.debug("Tick {}{}: {} changed rows, {} initial fill rows, {} FULL refresh rows, {} records",
                    delivery.tick, current.live == null ? " (sent again)" : "", current.changeRows(),
                    current.fillRows(), current.fullRows(), delivery.handedOut());
            current = null;
        } else {
            // counted only once returned: an abort is requested only when a Kafka transaction holds records
            delivery.handedOut(batch.size());
        }
        return batch;
    }

    /**
     * A failed tick attempt: records it already handed out are aborted with the Kafka transaction, the
     * sessions are dropped, and the next poll reconnects (with growing pauses while PostgreSQL is away).
     */
    private RuntimeException failure(SQLException e) {
        backOff(PgConnections.isTransient(e));
        String what = "PostgreSQL error while taking ticks of " + database + ": " + e.getMessage()
                + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
        if (stopping) {
            return new RetriableException("stopping: " + what, e);
        }
        if (PgConnections.isTransient(e)) {
            LOG.warn("{}; reconnecting in {} ms and taking the tick again", what, pauseMs);
            return new RetriableException(what, e);
        }
        // Not a lost connection, and not one source's trouble (those only stop the stream tables over that
        // source): something of the catalog or the database as a whole.
        return retryLater(what + ". Check the PostgreSQL log, the Trickle catalog (schema pgtrickle) and the "
                + "privileges of the connector's user", e);
    }

    /**
     * The task cannot go on for now. A task Connect killed would stay dead until restarted by hand, so it
     * keeps retrying, ever more slowly, and says what is wrong each time.
     */
    private RuntimeException retryLater(String what, Exception e) {
        LOG.error("{}. No tick is taken for any stream table until this is fixed; retrying in {} ms (attempt {})",
                what, pauseMs, failures);
        return new RetriableException(what, e);
    }

    /**
     * The attempt is given up: sessions dropped, and the next one only after a pause. A lost connection is tried
     * again about every second (PostgreSQL is usually back within seconds); anything else waits ever longer.
     */
    private void backOff(boolean lostConnection) {
        abandonCurrent();
        failures++;
        pauseMs = lostConnection ? backoffMs(failures, ThreadLocalRandom.current().nextDouble())
                : Math.min(MAX_FAILURE_BACKOFF_MS, 250L << Math.min(failures, 7));
        retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMs);
    }

    /** The pause before reconnection attempt {@code failures + 1}; {@code random} in [0, 1) adds the jitter. */
    static long backoffMs(int failures, double random) {
        long base = Math.min(MAX_BACKOFF_MS, 125L << Math.min(Math.max(failures, 1), 4));
        return base + (long) (base * 0.2 * random);
    }

    private void abandonCurrent() {
        boolean handedOut = current != null && current.tick.delivery.handedOut() > 0;
        ticker.abandon(current);
        current = null;
        if (handedOut && transactions != null) {
            // aborted after the next (empty) poll; the transaction holds only this attempt's records
            transactions.abortTransaction();
        }
    }

    /** Test hook: see {@link TickTimer#pause}. */
    void pauseTimer(boolean pause) {
        if (ticker != null) {
            ticker.timer().pause(pause);
        }
    }

    /** Tick snapshots held ahead now (for tests). */
    int snapshotsHeld() {
        return ticker == null ? 0 : ticker.snapshotsHeld();
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        if (record instanceof TickRecord r) {
            r.acknowledge();
        }
    }

    @Override
    public void commit() {
        if (tracker != null) {
            tracker.offsetsCommitted();
        }
    }

    @Override
    public void stop() {
        stopping = true;
        if (ticker != null) {
            ticker.timer().close(); // ends its thread, and wakes a poll thread waiting
        }
        boolean locked = false;
        try {
            locked = lock.tryLock(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (current != null) {
                current.close();
                current = null;
            }
            if (ticker != null) {
                ticker.shutdown();
            }
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
        LOG.info("Trickle source task for {} stopped", database);
    }
}
