package dev.trickle.streams.runtime;

import dev.trickle.core.TopicNames;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.RecordCodec;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The streams app's CPU per row change on its runtime path, without a broker (docs/benchmarks.md, Throughput, session 7):
 * the throughput benchmark's transaction (10 inserts, 10 updates of orders) through TopologyTestDriver, 50 per tick,
 * records pre-encoded through the shipped converter, the last two thirds of the ticks timed by the thread's CPU time.
 * Arguments: {@code filter}, {@code agg} or {@code filter+agg}, and the number of ticks. Not a test (no assertions).
 */
public final class RuntimeCpuBenchmark {
    static final SourceTable ORDERS = new SourceTable("public", "orders", List.of(new SourceColumn("id", "bigint"),
            new SourceColumn("customer_id", "integer"), new SourceColumn("amount", "numeric(10,2)"),
            new SourceColumn("status", "text"), new SourceColumn("created_at", "timestamp with time zone")));

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int ticks = Integer.parseInt(args[1]);
        List<RunnableStreamTable> tables = new ArrayList<>();
        if (mode.contains("filter")) {
            tables.add(table(1, "SELECT id, customer_id, amount, created_at FROM orders WHERE status = 'paid'"));
        }
        if (mode.contains("agg")) {
            tables.add(table(2, "SELECT status, count(*) AS n, sum(amount) AS s FROM orders GROUP BY status"));
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "cpu-bench-" + System.nanoTime());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/trickle-cpu-bench-" + System.nanoTime());
        try (TopologyTestDriver driver = new TopologyTestDriver(TopologyFactory.build(tables, (id, m) -> { throw new IllegalStateException(m); }), props)) {
            String topic = TopicNames.changes("trickle", "public", "orders");
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
            Serializer<String> wire = Wire.changes();
            for (RunnableStreamTable t : tables) {
                in.pipeInput(null, wire.serialize(topic, RecordCodec.encode(new ChangeRecord.Init(1, t.id()))));
            }
            in.pipeInput(null, wire.serialize(topic, RecordCodec.encode(new ChangeRecord.End(1, 0, 1, 1000))));
            long rows = 0;
            long cpu0 = 0;
            var mx = ManagementFactory.getThreadMXBean();
            long id = 1_000_000;
            List<List<byte[]>> all = new ArrayList<>();
            for (int tick = 2; tick < 2 + ticks; tick++) {
                List<byte[]> recs = new ArrayList<>();
                for (int tx = 0; tx < 50; tx++) {
                    for (int i = 0; i < 10; i++) {
                        recs.add(wire.serialize(topic, RecordCodec.encode(new ChangeRecord.Row(tick, 1, row(id++, "new", "12.50"), null))));
                    }
                    for (int i = 0; i < 10; i++) {
                        long u = id - 200 + i;
                        recs.add(wire.serialize(topic, RecordCodec.encode(new ChangeRecord.Row(tick, -1, row(u, "new", "12.50"), null))));
                        recs.add(wire.serialize(topic, RecordCodec.encode(new ChangeRecord.Row(tick, 1, row(u, "paid", "13.50"), null))));
                    }
                }
                recs.add(wire.serialize(topic, RecordCodec.encode(new ChangeRecord.End(tick, 0, 1, 1000L * tick))));
                all.add(recs);
            }
            for (int t = 0; t < all.size(); t++) {
                if (t == ticks / 3) { cpu0 = mx.getCurrentThreadCpuTime(); rows = 0; }
                for (byte[] r : all.get(t)) { in.pipeInput(null, r); }
                rows += 1000; // 50 transactions of 20 row changes (30 change records)
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            System.out.printf("%s: %.1f ms CPU per 1,000 row changes (%d row changes)%n", mode, cpu / 1e6 / (rows / 1000.0), rows);
        }
    }

    static Map<String, String> row(long id, String status, String amount) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("id", Long.toString(id)); v.put("customer_id", Long.toString(id % 1000)); v.put("amount", amount);
        v.put("status", status); v.put("created_at", "2026-12-07 05:00:00+00");
        return v;
    }

    static RunnableStreamTable table(long id, String query) throws Exception {
        CompiledQuery q = QueryCompiler.compile(query, List.of("public"), (s, n) -> Optional.ofNullable("orders".equals(n) ? ORDERS : null));
        return RunnableStreamTable.of(new StreamTableDef(id, "public", "t" + id, query, List.of("public"), "AUTO", "ACTIVE", true,
                List.of(new StreamTableDef.SourceName("public", "orders"))), q, "trickle", 1);
    }
}
