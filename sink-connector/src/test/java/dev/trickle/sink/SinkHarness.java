package dev.trickle.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.core.connect.DeltaRecords;
import dev.trickle.core.connect.TopicSchemas;
import dev.trickle.core.testing.EmbeddedPg;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A sink task on a fresh database with the catalog installed, fed hand-built delta records: each record
 * gets the next offset of its partition, as a consumer would see them.
 */
final class SinkHarness implements AutoCloseable {
    static final long TICK_MILLIS = 1_700_000_000_000L;

    final String url;
    final FakeSinkContext context = new FakeSinkContext();
    TrickleSinkTask task;
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Map<String, String> settings;
    private final String user;
    private final String password;

    SinkHarness(String hint) {
        this(hint, Map.of());
    }

    /** With these connector settings on top of the defaults (e.g. parallel.refresh.mode). */
    SinkHarness(String hint, Map<String, String> settings) {
        this(hint, settings, "postgres", "postgres");
    }

    /**
     * The pipeline connecting as {@code user}, which installs the catalog (and so owns it); {@code setup} runs
     * first, as the superuser, in the fresh database.
     */
    SinkHarness(String hint, Map<String, String> settings, String user, String password, String... setup) {
        this.settings = Map.copyOf(settings);
        this.user = user;
        this.password = password;
        url = EmbeddedPg.freshDatabase(hint);
        try {
            exec(setup);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        CatalogInstaller.install(pipelineUrl(), user, password);
        task = newTask();
    }

    /** The URL without the test's user parameter, which would win over pg.user. */
    private String pipelineUrl() {
        return url.replaceAll("\\?.*", "");
    }

    /** A new task on the same database, as after a restart of the worker. */
    TrickleSinkTask newTask() {
        TrickleSinkTask t = new TrickleSinkTask();
        t.initialize(context);
        t.start(config());
        return t;
    }

    Map<String, String> config() {
        Map<String, String> c = new HashMap<>();
        c.put(SinkConfig.PG_URL, pipelineUrl());
        c.put(SinkConfig.PG_USER, user);
        c.put(SinkConfig.PG_PASSWORD, password);
        c.put(SinkConfig.APPLY_RETRY_BACKOFF_MS, "0");
        c.put("topics.regex", "trickle\\.delta\\..*");
        c.putAll(settings);
        return c;
    }

    SinkRecord record(String topic, int partition, Object value) {
        TopicPartition tp = new TopicPartition(topic, partition);
        context.assignment.add(tp);
        long offset = nextOffsets.merge(tp, 1L, Long::sum) - 1;
        return new SinkRecord(topic, partition, null, null, null, value, offset);
    }

    /**
     * A delta record's value as the worker's converter hands it to the task: a Struct in Trickle's envelope
     * (columns c0, c1, ... typed text: the sink reads values positionally, as PostgreSQL text).
     */
    static org.apache.kafka.connect.data.Struct struct(String topic, DeltaRecord record) {
        java.util.List<String> columns = new java.util.ArrayList<>();
        if (record instanceof DeltaRecord.Row row) {
            for (int i = 0; i < row.values().size(); i++) {
                columns.add("c" + i);
            }
        }
        DeltaRecords schemas = TopicSchemas.delta(topic, columns, java.util.Collections.nCopies(columns.size(), "text"),
                java.util.List.of());
        return schemas.value(record);
    }

    SinkRecord row(String topic, int partition, long tick, long weight, String... values) {
        return record(topic, partition, struct(topic, new DeltaRecord.Row(tick, weight, Arrays.asList(values))));
    }

    SinkRecord end(String topic, int partition, long tick, long streamTable, int producer, int producers,
                   int partitions, boolean initial) {
        return record(topic, partition, struct(topic, new DeltaRecord.End(tick, streamTable, producer, producers,
                partitions, TICK_MILLIS + tick * 1000, initial)));
    }

    /** The end of a tick on a one-partition topic with one producer. */
    SinkRecord end(String topic, long tick, long streamTable, boolean initial) {
        return end(topic, 0, tick, streamTable, 0, 1, 1, initial);
    }

    void put(SinkRecord... records) {
        task.put(List.of(records));
    }

    void put(List<SinkRecord> records) {
        task.put(records);
    }

    long committable(String topic, int partition) {
        Map<TopicPartition, OffsetAndMetadata> offsets = task.preCommit(new HashMap<>());
        OffsetAndMetadata o = offsets.get(new TopicPartition(topic, partition));
        return o == null ? -1 : o.offset();
    }

    Connection connect() throws SQLException {
        return EmbeddedPg.connect(url);
    }

    void exec(String... sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    /** The first column of the first row, as text (null for no row or SQL NULL). */
    String one(String sql) throws SQLException {
        List<List<String>> rows = rows(sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    List<List<String>> rows(String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    /** Creates a stream table through the SQL API and returns its id. */
    long createStreamTable(String name, String query) throws SQLException {
        try (Connection c = connect();
             var ps = c.prepareStatement("SELECT pgtrickle.create_stream_table(?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, query);
            ps.execute();
        }
        return Long.parseLong(one("SELECT max(pgt_id) FROM pgtrickle.pgt_stream_tables"));
    }

    /** Multiset equality, the project's oracle: EXCEPT ALL is empty both ways. */
    void assertContent(String table, String expected) throws SQLException {
        String a = "SELECT * FROM " + table;
        String b = "SELECT * FROM (" + expected + ") e";
        assertEquals("0", one("SELECT count(*) FROM ((" + a + ") EXCEPT ALL (" + b + ")) x"),
                "rows in " + table + " that should not be there: " + rows("(" + a + ") EXCEPT ALL (" + b + ")"));
        assertEquals("0", one("SELECT count(*) FROM ((" + b + ") EXCEPT ALL (" + a + ")) x"),
                "rows missing from " + table + ": " + rows("(" + b + ") EXCEPT ALL (" + a + ")"));
    }

    @Override
    public void close() {
        task.stop();
    }
}
