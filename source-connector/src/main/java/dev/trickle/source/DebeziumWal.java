package dev.trickle.source;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the replication slot through Debezium's embedded engine (its PostgreSQL connector, pgoutput) and hands
 * the decoded changes to a {@link WalApplier}, which holds them in memory for the ticks ({@link WalHeld}). The slot
 * is the only record of how far capture got: each engine starts with an empty offset store, so Debezium streams
 * from the slot's confirmed position, and the position moves (Debezium confirms it when its offsets are committed)
 * only past events whose transactions are done: taken by a tick that is in Kafka, or with nothing to capture. A
 * crash in between decodes them again, and the ticks drop those an earlier tick's snapshot already saw.
 */
final class DebeziumWal implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    private static final Logger LOG = LoggerFactory.getLogger(DebeziumWal.class);
    /** Debezium's topic prefix: only the suffixes of its event kinds are read. */
    private static final String PREFIX = "trickle_wal";
    /**
     * Rows held in memory for the ticks above which decoding pauses (between transactions) until ticks take them:
     * the slot then retains the WAL, which {@code health_check()}'s slot checks report.
     */
    static volatile long maxHeldRows = 1_000_000;

    /**
     * Runs before the slot is confirmed past transactions that a tick took (their tick is in Kafka), with the
     * position to be confirmed: a test makes it throw, as a crash at the worst moment (Kafka holds transactions the
     * slot will send again).
     */
    static volatile java.util.function.LongConsumer beforeConfirm;

    /**
     * A decoded event not yet confirmed (null for a BEGIN: its rows are held elsewhere, and the END's position is
     * the one to confirm), the transaction it belongs to (null: none), a switch it passes, a commit position.
     */
    private record Pending(RecordChangeEvent<SourceRecord> event, WalHeld.Txn txn, String switchPassed, long commitLsn) {
    }

    private final WalApplier applier;
    private final WalHeld held;
    /** Told the position of each tick marker once everything before it is held. */
    private final LongConsumer passed;
    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    private boolean pausedReported;
    private volatile boolean stopped;

    DebeziumWal(WalApplier applier, WalHeld held, LongConsumer passed) {
        this.applier = applier;
        this.held = held;
        this.passed = passed;
    }

    /**
     * Debezium's settings for WAL capture, and why: Trickle makes the slot and keeps the publication's members; no
     * data snapshot (fills come from Trickle's own queries); transaction ends and Trickle's tick markers as events;
     * every value in a form that reads back exactly (see {@link WalValues}).
     */
    static Properties properties(SourceConfig config, String slot) {
        Properties url = Driver.parseURL(config.pgUrl(), null);
        if (url == null) {
            throw new IllegalArgumentException("pg.url " + config.pgUrl() + " is not a PostgreSQL JDBC URL "
                    + "(jdbc:postgresql://host:port/database)");
        }
        Properties p = new Properties();
        p.setProperty("name", "trickle-wal-" + slot);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("database.hostname", url.getProperty("PGHOST").split(",")[0]);
        p.setProperty("database.port", url.getProperty("PGPORT", "5432").split(",")[0]);
        p.setProperty("database.dbname", url.getProperty("PGDBNAME"));
        p.setProperty("database.user", config.pgUser());
        p.setProperty("database.password", config.pgPassword());
        if (url.getProperty("sslmode") != null) {
            p.setProperty("database.sslmode", url.getProperty("sslmode"));
        }
        p.setProperty("topic.prefix", PREFIX);
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slot);
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("publication.name", WalCapture.PUBLICATION);
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("message.prefix.include.list", WalCapture.MESSAGE_PREFIX + "," + CdcSwitches.PREFIX);
        p.setProperty("skipped.operations", "none");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("hstore.handling.mode", "map");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("converters", WalNumericArrays.NAME);
        p.setProperty(WalNumericArrays.NAME + ".type", WalNumericArrays.class.getName());
        p.setProperty("unavailable.value.placeholder", WalValues.PLACEHOLDER);
        // a value Debezium cannot read stops capture with its reason, rather than arriving as NULL
        p.setProperty("event.converting.failure.handling.mode", "fail");
        p.setProperty("poll.interval.ms", "20");
        p.setProperty("status.update.interval.ms", "5000");
        // a failure stops the engine and the task restarts capture, rather than Debezium retrying on its own
        p.setProperty("errors.max.retries", "0");
        return p;
    }

    static DebeziumEngine<RecordChangeEvent<SourceRecord>> engine(Properties props, DebeziumWal consumer,
                                                                  DebeziumEngine.CompletionCallback done) {
        return DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .using(OffsetCommitPolicy.always())
                .using(done)
                .notifying(consumer)
                .build();
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        try {
            for (RecordChangeEvent<SourceRecord> e : records) {
                apply(e);
            }
            confirm(committer);
        } catch (SQLException e) {
            throw new IllegalStateException("WAL capture's catalog work failed: " + e.getMessage(), e);
        }
    }

    /** Tells Debezium the events up to the first one of a transaction not done yet, so that the slot moves past them. */
    private void confirm(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException, SQLException {
        List<Pending> done = new ArrayList<>();
        while (!pending.isEmpty() && (pending.peekFirst().txn() == null || held.done(pending.peekFirst().txn()))) {
            done.add(pending.pollFirst());
        }
        if (done.isEmpty()) {
            return;
        }
        long commitLsn = 0;
        List<String> switches = new ArrayList<>();
        boolean taken = false;
        for (Pending p : done) {
            commitLsn = p.commitLsn() != 0 ? p.commitLsn() : commitLsn;
            taken |= p.txn() != null && !p.txn().empty;
            if (p.switchPassed() != null) {
                switches.add(p.switchPassed());
            }
        }
        java.util.function.LongConsumer hook = beforeConfirm;
        if (taken && hook != null) {
            hook.accept(commitLsn);
        }
        applier.confirmed(commitLsn, switches);
        for (Pending p : done) {
            if (p.event() != null) {
                committer.markProcessed(p.event());
            }
        }
        committer.markBatchFinished();
    }

    /** Capture stops: a decoder paused for room gives up. */
    void stop() {
        stopped = true;
    }

    /** Applies one event and queues it for confirmation. */
    private void apply(RecordChangeEvent<SourceRecord> e) throws SQLException, InterruptedException {
        SourceRecord r = e.record();
        String topic = r.topic();
        if (!(r.value() instanceof Struct v)) {
            pending.add(new Pending(e, null, null, 0));
            return;
        }
        if (topic.endsWith(".transaction")) {
            if ("BEGIN".equals(v.getString("status"))) {
                awaitRoom();
                pending.add(new Pending(null, applier.begin(), null, 0));
            } else if ("END".equals(v.getString("status"))) {
                long lsn = offset(r, "lsn_commit");
                pending.add(new Pending(e, applier.commit(lsn), null, lsn));
            } else {
                pending.add(new Pending(e, null, null, 0));
            }
            return;
        } else if (topic.endsWith(".message")) {
            Struct m = v.getStruct("message");
            String prefix = m == null ? null : m.getString("prefix");
            if (CdcSwitches.PREFIX.equals(prefix)) {
                String content = new String(m.getBytes("content"), java.nio.charset.StandardCharsets.UTF_8);
                applier.switchPassed(content);
                // its row goes once the slot is confirmed past every transaction decoded before it
                pending.add(new Pending(e, null, content, 0));
            } else {
                pending.add(new Pending(e, null, null, 0));
                if (WalCapture.MESSAGE_PREFIX.equals(prefix)) {
                    // everything decoded before the tick's marker is held: the tick may take it
                    passed.accept(offset(r, "lsn"));
                }
            }
            return;
        } else if (!topic.startsWith(PREFIX + ".") || v.schema().field("op") == null) {
            pending.add(new Pending(e, null, null, 0));
            return;
        }
        // a change event is not kept: its transaction's BEGIN holds the queue, and its END's position is confirmed
        change(v);
    }

    /**
     * Pauses decoding (before a transaction) while more rows than {@link #maxHeldRows} wait for ticks: the ticks
     * take them as they come, and the slot keeps the WAL meanwhile.
     */
    private void awaitRoom() throws InterruptedException {
        if (held.heldRows() <= maxHeldRows) {
            return;
        }
        if (!pausedReported) {
            LOG.warn("WAL capture holds {} decoded rows for the ticks (more than {}): reading the replication slot "
                    + "pauses until ticks take them; the slot retains the WAL meanwhile (see health_check())",
                    held.heldRows(), maxHeldRows);
            pausedReported = true;
        }
        while (held.heldRows() > maxHeldRows) {
            if (stopped) {
                throw new InterruptedException("WAL capture stops");
            }
            Thread.sleep(20);
        }
        LOG.info("WAL capture reads the replication slot again ({} decoded rows held)", held.heldRows());
        pausedReported = false;
    }

    private void change(Struct v) throws SQLException {
        Struct source = v.getStruct("source");
        String schema = source.getString("schema");
        String table = source.getString("table");
        String op = v.getString("op");
        if ("t".equals(op)) {
            applier.truncate(schema, table);
            return;
        }
        Struct before = v.getStruct("before");
        Struct after = v.getStruct("after");
        Struct shape = after != null ? after : before;
        if (shape == null) {
            return;
        }
        List<String> columns = new ArrayList<>();
        for (Field f : shape.schema().fields()) {
            columns.add(f.name());
        }
        WalApplier.Target t = applier.target(schema, table, columns);
        if (t == null) {
            return;
        }
        char kind = switch (op) {
            case "c", "r" -> 'I';
            case "u" -> 'U';
            case "d" -> 'D';
            default -> throw new IllegalStateException("unexpected change event op '" + op + "' for " + t.source());
        };
        long xid = source.getInt64("txId");
        String[] old;
        String[] neu;
        try {
            old = kind == 'I' ? null : row(before, t);
            neu = kind == 'D' ? null : row(after, t);
        } catch (IllegalArgumentException e) {
            applier.unreadable(schema, table, e.getMessage());
            return;
        }
        applier.change(t, kind, xid, old, neu);
    }

    private static String[] row(Struct s, WalApplier.Target t) {
        if (s == null) {
            return null;
        }
        List<Field> fields = s.schema().fields();
        String[] values = new String[fields.size()];
        for (int i = 0; i < values.length; i++) {
            Field f = fields.get(i);
            if (t.types()[i] == null) {
                continue; // a column the buffer does not have (no stream table reads it)
            }
            Object v = s.get(f);
            values[i] = WalValues.unchanged(v) ? WalApplier.UNCHANGED
                    : WalValues.text(t.source() + "." + f.name(), t.types()[i], f.schema(), v);
        }
        return values;
    }

    private static long offset(SourceRecord r, String key) {
        Map<String, ?> o = r.sourceOffset();
        Object v = o == null ? null : o.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException("Debezium's event on " + r.topic() + " has no " + key + " in its offset " + o);
        }
        return n.longValue();
    }
}
