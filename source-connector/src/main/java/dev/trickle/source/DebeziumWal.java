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

/**
 * Reads the replication slot through Debezium's embedded engine (its PostgreSQL connector, pgoutput) and hands
 * the decoded changes to a {@link WalApplier}. The slot is the only record of how far capture got: each engine
 * starts with an empty offset store, so Debezium streams from the slot's confirmed position, and the position
 * moves (Debezium confirms it when its offsets are committed) only for events whose rows are committed in the
 * buffers, because an event is marked processed only after {@link WalApplier#flush}. A crash in between replays
 * from the slot, and the applier drops the transactions it already wrote.
 */
final class DebeziumWal implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    /** Debezium's topic prefix: only the suffixes of its event kinds are read. */
    private static final String PREFIX = "trickle_wal";

    /**
     * Runs after a buffer commit and before Debezium is told of it: a test makes it throw, as a crash at the worst
     * moment (the buffers hold transactions the slot will send again).
     */
    static volatile Runnable afterBufferCommit;
    /** Runs before each batch of decoded events is applied: a test blocks in it, as a decoder that lags behind. */
    static volatile Runnable beforeBatch;

    private final WalApplier applier;
    /** Told the position of each tick marker once everything before it is in the buffers. */
    private final LongConsumer passed;

    DebeziumWal(WalApplier applier, LongConsumer passed) {
        this.applier = applier;
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
        Runnable hold = beforeBatch;
        if (hold != null) {
            hold.run();
        }
        int done = 0;
        try {
            for (int i = 0; i < records.size(); i++) {
                SourceRecord r = records.get(i).record();
                long marker = apply(r);
                if (marker != 0) {
                    committed(applier.flush());
                    // the tick waits for this, not for the slot's confirmation that follows
                    passed.accept(marker);
                    for (; done <= i; done++) {
                        committer.markProcessed(records.get(done));
                    }
                    committer.markBatchFinished();
                }
            }
            committed(applier.flush());
        } catch (SQLException e) {
            throw new IllegalStateException("writing decoded changes to the change buffers failed: " + e.getMessage(), e);
        }
        // every event so far is in the buffers (a transaction not ended yet holds its rows until its end, and
        // the position Debezium confirms for its events is the end of the transaction before it)
        for (; done < records.size(); done++) {
            committer.markProcessed(records.get(done));
        }
        committer.markBatchFinished();
    }

    private static void committed(long end) {
        Runnable hook = afterBufferCommit;
        if (end != 0 && hook != null) {
            hook.run();
        }
    }

    /** Applies one event; returns the position of a tick marker, else 0. */
    private long apply(SourceRecord r) throws SQLException {
        String topic = r.topic();
        if (!(r.value() instanceof Struct v)) {
            return 0;
        }
        if (topic.endsWith(".transaction")) {
            if ("END".equals(v.getString("status"))) {
                applier.commit(offset(r, "lsn_commit"));
            }
            return 0;
        } else if (topic.endsWith(".message")) {
            Struct m = v.getStruct("message");
            if (m != null && CdcSwitches.PREFIX.equals(m.getString("prefix"))) {
                applier.switchPassed(new String(m.getBytes("content"), java.nio.charset.StandardCharsets.UTF_8));
                return 0;
            }
            return m != null && WalCapture.MESSAGE_PREFIX.equals(m.getString("prefix")) ? offset(r, "lsn") : 0;
        } else if (!topic.startsWith(PREFIX + ".") || v.schema().field("op") == null) {
            return 0;
        }
        change(v);
        return 0;
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
