package dev.trickle.source;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.source.SourceRecord;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAL capture: one logical replication slot (pgoutput, publication {@value #PUBLICATION}) per catalog, read by
 * Debezium's embedded engine ({@link DebeziumWal}) on a thread of its own and written into the change buffers of the WAL-captured sources, stamped with each writer's transaction
 * id (see {@link WalApplier}). Ticks stay snapshots: the ticker writes a marker into the WAL right after taking a
 * tick's snapshot, and the tick's WAL-captured changes are read once the decoder has passed that marker (every
 * transaction the snapshot sees committed before it). The slot's confirmed position follows what is written to
 * the buffers, which are as durable as the trigger path's: after a crash decoding resumes from the slot, and
 * transactions already written are recognised by their end position and dropped.
 */
final class WalCapture implements AutoCloseable {
    static final String PUBLICATION = "pgtrickle_wal";
    static final String MESSAGE_PREFIX = "pgtrickle";
    private static final Logger LOG = LoggerFactory.getLogger(WalCapture.class);

    private final SourceConfig config;
    private final Object monitor = new Object();
    private Thread thread;
    private volatile boolean stopping;
    private volatile boolean slotReady;
    private volatile Throwable failure;
    private volatile DebeziumEngine<?> engine;
    /** Decoding failed on a publication dropped under the slot: the next start makes the slot anew. */
    private volatile boolean slotBroken;
    /** The decoder has written every transaction that committed before this LSN into the buffers. */
    private long passed;
    private String slot;

    WalCapture(SourceConfig config) {
        this.config = config;
    }

    /** The slot's name for the catalog in {@code c}'s database: slots are per server, so it names the database. */
    static String slotName(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT oid FROM pg_database WHERE datname = current_database()")) {
            rs.next();
            return "pgtrickle_wal_" + rs.getLong(1);
        }
    }

    boolean started() {
        return thread != null;
    }

    /** The slot exists (changes from now on are kept for the decoder). */
    boolean slotReady() {
        return slotReady && failure == null;
    }

    /** Starts decoding on a thread of its own: the slot is created first if missing, which may wait for open transactions. */
    void start(String slotName) {
        if (thread != null) {
            return;
        }
        this.slot = slotName;
        stopping = false;
        failure = null;
        thread = new Thread(this::run, "trickle-wal-" + slotName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Throws what stopped decoding, if it stopped. */
    void check() throws SQLException {
        Throwable f = failure;
        if (f != null) {
            throw new SQLException("WAL capture stopped: " + f.getMessage(), "55000", f);
        }
    }

    /**
     * Writes a marker into the WAL (after the caller took a tick's snapshot) and returns its position: once the
     * decoder has passed it, every transaction that the snapshot sees committed is in the buffers.
     */
    static long mark(Connection w, long tick) throws SQLException {
        try (PreparedStatement ps = w.prepareStatement("SELECT pg_logical_emit_message(false, ?, ?)::text")) {
            ps.setString(1, MESSAGE_PREFIX);
            ps.setString(2, "tick " + tick);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
            }
        }
    }

    /** No source is captured from the WAL (or has a switch pending) as the catalog is now. */
    static boolean noWalSourceNow(Connection w) throws SQLException {
        boolean none = Catalog.walSources(w).isEmpty();
        w.commit();
        return none;
    }

    /**
     * Sources switched from WAL to trigger capture leave the publication once the decoder has passed their switch (a
     * source held by a writer now is left for a later tick), so that their changes are no longer decoded.
     */
    static void unpublishIdle(Connection w) throws SQLException {
        try (Statement s = w.createStatement(); ResultSet rs = s.executeQuery("SELECT pgtrickle._wal_unpublish_idle()")) {
            rs.next();
            if (rs.getInt(1) > 0) {
                LOG.info("{} source(s) no longer captured from the WAL left publication {}", rs.getInt(1), PUBLICATION);
            }
        }
        w.commit();
    }

    /** Waits up to {@code millis} for the decoder to pass {@code lsn}; true once it has. */
    boolean awaitPassed(long lsn, long millis) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (monitor) {
            while (Long.compareUnsigned(passed, lsn) < 0) {
                check();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
            return true;
        }
    }

    /**
     * The step of a tick that waits for the decoder to pass {@code lsn} (the tick's WAL marker); it hands out no
     * record, and each call waits a little, so that the task stays responsive while it waits.
     */
    TickSteps.Step barrier(long lsn) {
        return (out, room) -> {
            try {
                return awaitPassed(lsn, 200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
    }

    private void passed(long lsn) {
        synchronized (monitor) {
            if (Long.compareUnsigned(lsn, passed) > 0) {
                passed = lsn;
            }
            monitor.notifyAll();
        }
    }

    private void run() {
        try (Connection control = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(), "wal slot")) {
            if (slotBroken) {
                dropBrokenSlot(control);
            }
            ensureSlot(control);
            slotReady = true;
            try (Connection writer = PgConnections.open(config.pgUrl(), config.pgUser(), config.pgPassword(),
                    "wal buffers")) {
                writer.setAutoCommit(false);
                WalApplier applier = new WalApplier(writer, slot);
                decode(applier);
            }
        } catch (Throwable e) {
            if (!stopping) {
                failure = e;
                slotBroken = publicationGone(e);
                LOG.error("WAL capture through slot {} stopped: {}. The ticks of WAL-captured sources wait until it "
                        + "runs again (the task restarts it)", slot, e.getMessage(), e);
                synchronized (monitor) {
                    monitor.notifyAll();
                }
            }
        }
    }

    /** Whether decoding failed because the publication was gone as of a change (see {@link #dropBrokenSlot}). */
    static boolean publicationGone(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && "42704".equals(s.getSQLState()) && s.getMessage() != null
                    && s.getMessage().contains("publication \"" + PUBLICATION + "\" does not exist")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The publication was dropped while the slot lived (the last WAL-captured source went, then a new one came
     * before the connector dropped the slot): pgoutput looks the publication up as of each change, so the slot can
     * never be decoded past that moment. It is dropped (its progress row stays) and made anew, which fills the
     * stream tables over WAL-captured sources again ({@link #refillIfSlotWasLost}).
     */
    private void dropBrokenSlot(Connection c) throws SQLException, InterruptedException {
        LOG.warn("Replication slot {} cannot be decoded past the moment publication {} was dropped under it: it is made "
                + "anew, and the stream tables over WAL-captured sources are filled again", slot, PUBLICATION);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) "
                + "FROM pg_replication_slots WHERE slot_name = ? AND NOT active");
             PreparedStatement left = c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
            drop.setString(1, slot);
            left.setString(1, slot);
            while (true) {
                drop.execute();
                try (ResultSet rs = left.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        break;
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new SQLException("replication slot " + slot + " stayed active for 30 s after decoding failed",
                            "55006");
                }
                Thread.sleep(100); // the failed WAL sender exits a moment after its error
            }
        }
        slotBroken = false;
    }

    private void ensureSlot(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT plugin FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!"pgoutput".equals(rs.getString(1))) {
                        throw new SQLException("replication slot " + slot + " exists with plugin " + rs.getString(1)
                                + ", not pgoutput. Drop it (SELECT pg_drop_replication_slot('" + slot + "')) and restart "
                                + "the connector: WAL-captured stream tables must then be refreshed", "55000");
                    }
                    return;
                }
            }
        }
        LOG.info("Creating logical replication slot {} for WAL capture (waits for transactions open now to end)", slot);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        }
        refillIfSlotWasLost(c);
    }

    /**
     * A slot made anew where one was used before (dropped by hand, or a database restored without it): the changes
     * in between are not in the buffers, so the stream tables over WAL-captured sources are filled again, at a tick
     * whose snapshot follows the new slot.
     */
    private void refillIfSlotWasLost(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("WITH lost AS (DELETE FROM pgtrickle.pgt_wal_progress "
                + "WHERE slot_name = ? RETURNING 1) UPDATE pgtrickle.pgt_stream_tables SET needs_init = true, "
                + "init_tick = NULL WHERE EXISTS (SELECT 1 FROM lost) AND pgt_id IN (SELECT d.pgt_id "
                + "FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_sources s ON s.source_relid = d.source_relid "
                + "WHERE s.cdc_mode = 'wal') RETURNING format('%I.%I', pgt_schema, pgt_name)")) {
            ps.setString(1, slot);
            java.util.List<String> refilled = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    refilled.add(rs.getString(1));
                }
            }
            if (!refilled.isEmpty()) {
                LOG.warn("Replication slot {} was gone (dropped by hand?) and is made anew: changes made meanwhile were "
                        + "not captured, so the stream tables over WAL-captured sources are filled again: {}", slot, refilled);
            }
        }
    }

    /** Runs Debezium's engine on this thread until it stops (close, or a failure it reports). */
    private void decode(WalApplier applier) throws Exception {
        DebeziumWal consumer = new DebeziumWal(applier, this::passed);
        Throwable[] failed = new Throwable[1];
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = DebeziumWal.engine(DebeziumWal.properties(config, slot),
                consumer, (success, message, error) -> {
                    if (!success) {
                        failed[0] = error != null ? error : new IllegalStateException(message);
                    }
                });
        engine = e;
        if (stopping) {
            return;
        }
        LOG.info("WAL capture reading slot {} (publication {}) through Debezium's engine", slot, PUBLICATION);
        try {
            e.run();
        } finally {
            engine = null;
            try {
                e.close();
            } catch (Exception | LinkageError ignored) {
                // stopped already (by close, or by the failure reported below)
            }
        }
        if (failed[0] != null && !stopping) {
            // Debezium wraps the reason (a server error, a buffer write that failed) in its own exceptions
            Throwable root = failed[0];
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new SQLException("reading the WAL failed: " + (root.getMessage() != null ? root.getMessage()
                    : root.toString()), "55000", failed[0]);
        }
        if (!stopping) {
            throw new SQLException("reading the WAL stopped unexpectedly", "55000");
        }
    }

    /** Stops decoding (the slot stays: changes made meanwhile wait in it). */
    @Override
    public void close() {
        Thread t = thread;
        if (t == null) {
            return;
        }
        stopping = true;
        closeEngine();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("WAL capture thread of slot {} did not stop within 10 s", slot);
        }
        thread = null;
        slotReady = false;
    }

    private void closeEngine() {
        DebeziumEngine<?> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (Exception | LinkageError ex) {
                LOG.debug("closing Debezium's engine: {}", ex.toString());
            }
        }
    }

    /** No source is captured from the WAL any more: decoding stops and the slot goes, so that it retains no WAL. */
    void dropSlot(Connection w) throws SQLException {
        close();
        String name = slot != null ? slot : slotName(w);
        try (PreparedStatement ps = w.prepareStatement("SELECT pg_drop_replication_slot(slot_name) "
                + "FROM pg_replication_slots WHERE slot_name = ? AND NOT active");
             PreparedStatement del = w.prepareStatement("DELETE FROM pgtrickle.pgt_wal_progress WHERE slot_name = ?")) {
            ps.setString(1, name);
            ps.execute();
            del.setString(1, name);
            del.execute();
        }
        w.commit();
        LOG.info("No source is captured from the WAL any more: replication slot {} dropped", name);
    }
}
