package dev.trickle.streams.runtime;

import dev.trickle.core.records.ChangeRecord;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The gathering task's CPU per change row in its tick buffer (docs/benchmarks.md, Throughput, sessions 8 and 9), three
 * ways in one JVM, interleaved, each on its own RocksDB store (changelog off, so the store ways' changelog records are
 * not counted): the record decoded and added by {@link TickBuffer#add} (a store read per row to consolidate it), its
 * bytes copied under an offset key into the store ({@link TickBuffer#addEncoded}, session 8's gather path), and the same
 * held in memory ({@link TickMemory}, what the gather processor does now; its ledger in a map here). Each tick is 1,000 rows,
 * plus a cancelling row for the given share of them, then drained; the last two thirds of the ticks are timed by the
 * thread's CPU time. Arguments: the number of ticks and the share of rows cancelled within their tick (0 to 1). Not a
 * test (no assertions).
 */
public final class GatherPathCpuBenchmark {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("gather-path-bench");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "gather-path-bench");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
        KeyValueStore<Bytes, byte[]> s1 = store(ctx, "decoded");
        KeyValueStore<Bytes, byte[]> s2 = store(ctx, "offset-keyed");
        KeyValueStore<Bytes, byte[]> s3 = store(ctx, "in-memory");
        TickBuffer base = new TickBuffer(s1);
        TickBuffer after = new TickBuffer(s2);
        TickBuffer mid = new TickBuffer(s3, new TickMemory(new RuntimeStores.MapLedger(),
                GatherProcessor.TICK_MEMORY_BYTES));
        double cancel = Double.parseDouble(args[1]);
        var mx = ManagementFactory.getThreadMXBean();
        long id = 1_000_000;
        long offset = 0;
        double[] tb = new double[3];
        int rounds = Integer.parseInt(args[0]);
        for (int round = 0; round < rounds; round++) {
            long tick = round + 2;
            List<byte[]> recs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Map<String, String> v = new LinkedHashMap<>();
                v.put("id", Long.toString(id++));
                v.put("customer_id", Long.toString(id % 10000));
                v.put("amount", "12.50");
                v.put("status", i % 2 == 0 ? "new" : "paid");
                v.put("created_at", "2026-12-07T08:00:00.123456Z");
                recs.add(GatherCodec.encode(new ChangeRecord.Row(tick, 1, v, null)));
                if (i % 100 < cancel * 100) {
                    recs.add(GatherCodec.encode(new ChangeRecord.Row(tick, -1, v, null))); // cancels in the tick
                }
            }
            for (int which = 0; which < 3; which++) {
                int w = (which + round) % 3;
                long c0 = mx.getCurrentThreadCpuTime();
                if (w == 0) {
                    for (byte[] r : recs) {
                        ChangeRecord.Row row = (ChangeRecord.Row) GatherCodec.decode(r);
                        base.add(row.tick(), 0, row.values(), row.weight());
                    }
                    base.drain(tick, i -> "s");
                } else if (w == 2) {
                    for (byte[] r : recs) {
                        int pairs = GatherCodec.rowPairs(r);
                        mid.addEncoded(GatherCodec.rowTick(r), 0, r, pairs, GatherCodec.rowWeight(r), offset++);
                    }
                    mid.drain(tick, i -> "s");
                } else {
                    for (byte[] r : recs) {
                        int pairs = GatherCodec.rowPairs(r);
                        after.addEncoded(GatherCodec.rowTick(r), 0, r, pairs, GatherCodec.rowWeight(r), offset++);
                    }
                    after.drain(tick, i -> "s");
                }
                if (round >= rounds / 3) {
                    tb[w] += (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                }
            }
        }
        int measured = rounds - rounds / 3;
        System.out.printf("per tick of 1,000 rows + %.0f%% cancelled in the tick (add + drain): decode+consolidating add %.2f ms, bytes+offset-keyed put %.2f ms, bytes in memory %.2f ms (%d ticks)%n",
                cancel * 100, tb[0] / measured, tb[1] / measured, tb[2] / measured, measured);
        s1.close();
        s2.close();
        s3.close();
    }

    private static KeyValueStore<Bytes, byte[]> store(MockProcessorContext<Object, Object> ctx, String name) {
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(ctx.getStateStoreContext(), store);
        return store;
    }
}
