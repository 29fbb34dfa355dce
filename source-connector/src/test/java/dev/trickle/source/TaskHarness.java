package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.connect.ChangeRecords;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.RowSchema;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.source.TransactionContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** Drives a {@link TrickleSourceTask} the way a Connect worker would, without Kafka. */
final class TaskHarness implements AutoCloseable {
    static final long DEADLINE_MS = 20_000;

    final TrickleSourceTask task = new TrickleSourceTask();
    final Map<String, String> props = new HashMap<>();
    final List<SourceRecord> commitRequests = new ArrayList<>();
    int abortRequests;
    final List<Integer> batchSizes = new ArrayList<>();
    private final List<SourceRecord> pending = new ArrayList<>();

    /** A database with the catalog installed. */
    static String database(String hint) {
        String url = EmbeddedPg.freshDatabase(hint);
        CatalogInstaller.install(url, "postgres", "postgres");
        return url;
    }

    TaskHarness(String url, Map<String, String> overrides, Map<String, Object> offset, boolean transactional) {
        this(url, overrides, offset, transactional, null);
    }

    /** With Connect's plugin metrics for the task ({@code metrics}; null: none, as a runtime before Kafka 4.1). */
    TaskHarness(String url, Map<String, String> overrides, Map<String, Object> offset, boolean transactional,
                PluginMetrics metrics) {
        props.put(SourceConfig.PG_URL, url);
        props.put(SourceConfig.PG_PASSWORD, "postgres");
        props.put(SourceConfig.TICK_INTERVAL_MS, "50");
        props.put(SourceConfig.TOPIC_PARTITIONS, "3");
        props.putAll(overrides);
        TransactionContext tx = !transactional ? null : new TransactionContext() {
            @Override
            public void commitTransaction() {
                fail("the task commits on records");
            }

            @Override
            public void commitTransaction(SourceRecord record) {
                commitRequests.add(record);
            }

            @Override
            public void abortTransaction() {
                abortRequests++;
            }

            @Override
            public void abortTransaction(SourceRecord record) {
                abortRequests++;
            }
        };
        OffsetStorageReader reader = new OffsetStorageReader() {
            @Override
            public <T> Map<String, Object> offset(Map<String, T> partition) {
                return offset;
            }

            @Override
            public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                Map<Map<String, T>, Map<String, Object>> out = new HashMap<>();
                partitions.forEach(p -> out.put(p, offset));
                return out;
            }
        };
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return props;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return reader;
            }

            @Override
            public TransactionContext transactionContext() {
                return tx;
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return metrics;
            }
        });
        task.start(props);
        // the poll thread takes each due tick itself (as before session 13), so that a test which writes between
        // polls knows the next tick's snapshot follows its writes; withTimer() runs the task as in a worker
        task.pauseTimer(true);
    }

    /**
     * The task's timer takes the due ticks' snapshots, whether or not a poll runs, as in a Connect worker (whose poll
     * thread is busy between polls): a tick then need not see what the test wrote just before polling.
     */
    TaskHarness withTimer() {
        task.pauseTimer(false);
        return this;
    }

    TaskHarness(String url) {
        this(url, Map.of(), null, true);
    }

    /** Polls until one whole tick has been handed out. */
    Tick nextTick() throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            Tick t = pollOnce();
            if (t != null) {
                return t;
            }
        }
        throw new AssertionError("no complete tick within " + DEADLINE_MS + " ms");
    }

    /**
     * Ticks until one whose snapshot was taken after now, adding every tick to {@code ticks}: that one is the first
     * to see everything committed before the call (ticks whose snapshots were taken ahead, before, may come first).
     */
    void tickPastNow(List<Tick> ticks) throws InterruptedException, SQLException {
        long now = System.currentTimeMillis();
        long deadline = now + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            Tick t = nextTick();
            ticks.add(t);
            if (Long.parseLong(one(props.get(SourceConfig.PG_URL), "SELECT (extract(epoch FROM created_at) * 1000)::bigint "
                    + "FROM pgtrickle.pgt_ticks WHERE tick_id = " + t.tick)) > now) {
                return;
            }
        }
        throw new AssertionError("no tick taken after " + now + " within " + DEADLINE_MS + " ms");
    }

    /**
     * Polls until {@code done} holds (checked after each poll), adding the ticks completed meanwhile to {@code ticks};
     * the records of a tick not complete yet wait for the next polls.
     */
    void pollUntil(java.util.function.BooleanSupplier done, List<Tick> ticks, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            Tick t = pollOnce();
            if (t != null) {
                ticks.add(t);
            }
            if (done.getAsBoolean()) {
                return;
            }
        }
        throw new AssertionError(what + ": not within " + DEADLINE_MS + " ms");
    }

    /** One poll; the tick it completes, if any. */
    private Tick pollOnce() throws InterruptedException {
        int abortsBefore = abortRequests;
        List<SourceRecord> batch = task.poll();
        if (abortRequests > abortsBefore) {
            // what the worker does: the aborted transaction's records never reach a consumer
            pending.clear();
        }
        if (batch == null) {
            return null;
        }
        batchSizes.add(batch.size());
        pending.addAll(batch);
        SourceRecord last = batch.get(batch.size() - 1);
        if (last.sourceOffset().containsKey(RecordFactory.OFFSET_PARTIAL)) {
            return null;
        }
        Tick t = new Tick(List.copyOf(pending));
        pending.clear();
        return t;
    }

    /** Polls ticks until one satisfies {@code wanted}; returns it. */
    Tick tickWhere(Predicate<Tick> wanted) throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (System.currentTimeMillis() < deadline) {
            Tick t = nextTick();
            if (wanted.test(t)) {
                return t;
            }
        }
        throw new AssertionError("no wanted tick within " + DEADLINE_MS + " ms");
    }

    /**
     * What an exactly-once worker does once a tick's Kafka transaction committed. Like the worker, it
     * keeps the committed records in a map keyed by record equality, so equal records are acknowledged
     * once.
     */
    void acknowledge(Tick tick) throws InterruptedException {
        Map<SourceRecord, Boolean> committable = new java.util.LinkedHashMap<>();
        tick.records.forEach(r -> committable.put(r, true));
        for (SourceRecord r : committable.keySet()) {
            task.commitRecord(r, null);
        }
        task.commit();
    }

    @Override
    public void close() {
        task.stop();
    }

    private static final org.apache.kafka.connect.json.JsonConverter JSON_VALUES = json(false);
    private static final org.apache.kafka.connect.json.JsonConverter JSON_KEYS = json(true);

    private static org.apache.kafka.connect.json.JsonConverter json(boolean keys) {
        org.apache.kafka.connect.json.JsonConverter c = new org.apache.kafka.connect.json.JsonConverter();
        c.configure(Map.of("schemas.enable", "true"), keys);
        return c;
    }

    /** A record's value as a consumer reads it: written and read by the shipped JsonConverter with schemas. */
    static Object valueThroughJson(SourceRecord r) {
        return JSON_VALUES.toConnectData(r.topic(), JSON_VALUES.fromConnectData(r.topic(), r.valueSchema(), r.value())).value();
    }

    static ChangeRecord change(SourceRecord r) {
        return ChangeRecords.decode(valueThroughJson(r));
    }

    static DeltaRecord delta(SourceRecord r) {
        return DeltaRecords.decode(valueThroughJson(r));
    }

    /** A record's key values as PostgreSQL text (through JsonConverter), or null for a record without a key. */
    static List<String> keyTexts(SourceRecord r) {
        byte[] bytes = JSON_KEYS.fromConnectData(r.topic(), r.keySchema(), r.key());
        Object key = bytes == null ? null : JSON_KEYS.toConnectData(r.topic(), bytes).value();
        return key == null ? null : RowSchema.texts((org.apache.kafka.connect.data.Struct) key);
    }

    /**
     * The records of one tick, decoded: change records in {@code decoded} (null at delta records), records
     * on delta topics (FULL refreshes) in {@code deltas} (null at change records).
     */
    static final class Tick {
        final List<SourceRecord> records;
        final List<ChangeRecord> decoded = new ArrayList<>();
        final List<DeltaRecord> deltas = new ArrayList<>();
        final long tick;

        Tick(List<SourceRecord> records) {
            this.records = records;
            for (SourceRecord r : records) {
                boolean delta = r.topic().contains(".delta.");
                decoded.add(delta ? null : TaskHarness.change(r));
                deltas.add(delta ? TaskHarness.delta(r) : null);
            }
            this.tick = decoded.get(decoded.size() - 1).tick();
            assertTrue(decoded.stream().allMatch(c -> c == null || c.tick() == tick),
                    "every record carries the tick " + tick);
            assertTrue(deltas.stream().allMatch(c -> c == null || c.tick() == tick),
                    "every delta record carries the tick " + tick);
        }

        /** The records on one delta topic, decoded, with their partitions. */
        List<Map.Entry<Integer, DeltaRecord>> delta(String topic) {
            List<Map.Entry<Integer, DeltaRecord>> out = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).topic().equals(topic)) {
                    out.add(Map.entry(records.get(i).kafkaPartition(), deltas.get(i)));
                }
            }
            return out;
        }

        SourceRecord last() {
            return records.get(records.size() - 1);
        }

        /** Changed (untagged) rows on one topic as "+{a=1, b=x}", in order. */
        List<String> changes(String topic) {
            return rows(topic, null);
        }

        /** Rows on one topic with the given stream table tag (null: change rows). */
        List<String> rows(String topic, Long streamTable) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).topic().equals(topic) && decoded.get(i) instanceof ChangeRecord.Row row
                        && java.util.Objects.equals(row.streamTable(), streamTable)) {
                    out.add((row.weight() > 0 ? "+" : "-") + row.values());
                }
            }
            return out;
        }

        List<ChangeRecord.Row> allRows() {
            return decoded.stream().filter(c -> c instanceof ChangeRecord.Row).map(c -> (ChangeRecord.Row) c).toList();
        }

        <T extends ChangeRecord> List<SourceRecord> recordsOf(Class<T> kind) {
            List<SourceRecord> out = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                if (kind.isInstance(decoded.get(i))) {
                    out.add(records.get(i));
                }
            }
            return out;
        }
    }

    static void exec(String url, String... sql) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static String one(String url, String sql) throws SQLException {
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static List<String> column(String url, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = EmbeddedPg.connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
