package dev.trickle.streams.plan;

import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.runtime.RuntimeStores;
import dev.trickle.streams.rows.ZSet;
import dev.trickle.streams.sql.SourceCatalog;
import dev.trickle.streams.sql.SourceColumn;
import dev.trickle.streams.sql.SourceTable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The engine's CPU per tick for the incremental benchmark's join (b) and aggregate over a join (c), without
 * PostgreSQL or Kafka (docs/benchmarks.md, "Session 14: the engine's cost per tick"): the bench's tables
 * (orders, one customer per ten orders, one product per hundred) filled through the operators in memory, then
 * ticks shaped like the bench's at 1M rows (500 orders updated, 250 inserted, 250 deleted, 100 customers and 10
 * products updated: 1,720 change rows), each timed by the thread's CPU time. Arguments: the number of orders
 * (default 300,000), warm-up ticks (default 30), measured ticks (default 40), and {@code rocks} for the runtime's
 * operator-state backend over Kafka Streams' RocksDB store (as the bench's RocksStores opens it, changelog off)
 * instead of the in-memory one. Not a test (no assertions); run it with a profiler attached to see where a tick
 * goes.
 */
public final class EngineTickCpuBenchmark {
    static final String[] NATIONS = {"ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE",
        "GERMANY", "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO", "MOZAMBIQUE", "PERU",
        "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES"};
    static final String[] SEGMENTS = {"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"};
    static final String[] STATUSES = {"open", "paid", "shipped", "delivered", "returned"};
    static final String JOIN = "SELECT o.id, o.quantity, o.amount, c.name AS customer, c.nation, p.name AS product, "
            + "p.category FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id";
    static final String AGG = "SELECT c.nation, c.segment, count(*) AS order_count, sum(o.amount) AS revenue, "
            + "avg(o.quantity) AS avg_quantity FROM orders o JOIN customers c ON c.id = o.customer_id "
            + "GROUP BY c.nation, c.segment";

    private static final Map<String, SourceTable> TABLES = Map.of(
            "orders", new SourceTable("public", "orders", List.of(new SourceColumn("id", "bigint"),
                    new SourceColumn("customer_id", "integer"), new SourceColumn("product_id", "integer"),
                    new SourceColumn("quantity", "integer"), new SourceColumn("amount", "numeric(12,2)"),
                    new SourceColumn("status", "text"), new SourceColumn("ordered_at", "date")), List.of(List.of(0))),
            "customers", new SourceTable("public", "customers", List.of(new SourceColumn("id", "integer"),
                    new SourceColumn("name", "text"), new SourceColumn("nation", "text"),
                    new SourceColumn("segment", "text")), List.of(List.of(0))),
            "products", new SourceTable("public", "products", List.of(new SourceColumn("id", "integer"),
                    new SourceColumn("name", "text"), new SourceColumn("category", "text"),
                    new SourceColumn("price", "numeric(10,2)")), List.of(List.of(0))));
    static final SourceCatalog CATALOG = (schema, name) ->
            Optional.ofNullable(schema.equals("public") ? TABLES.get(name) : null);

    private final Random random = new Random(42);
    private final Map<Long, Map<String, String>> orders = new HashMap<>();
    private final List<Long> live = new ArrayList<>();
    private final Map<Integer, Map<String, String>> customers = new HashMap<>();
    private final Map<Integer, Map<String, String>> products = new HashMap<>();
    private final int customerCount;
    private final int productCount;
    private long nextId;

    EngineTickCpuBenchmark(int orderCount) {
        this.customerCount = orderCount / 10;
        this.productCount = orderCount / 100;
        for (int g = 1; g <= customerCount; g++) {
            customers.put(g, row("id", g, "name", String.format("Customer#%09d", g), "nation", NATIONS[g % 25],
                    "segment", SEGMENTS[(g / 25) % 5]));
        }
        for (int g = 1; g <= productCount; g++) {
            products.put(g, row("id", g, "name", String.format("Product#%07d", g), "category",
                    String.format("category-%02d", 1 + g % 20), "price", price()));
        }
        for (long g = 1; g <= orderCount; g++) {
            orders.put(g, order(g, 1 + (int) ((g * 7919) % customerCount), 1 + (int) ((g * 104729) % productCount)));
            live.add(g);
        }
        nextId = orderCount + 1L;
    }

    public static void main(String[] args) throws Exception {
        int orderCount = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int measured = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        EngineTickCpuBenchmark data = new EngineTickCpuBenchmark(orderCount);
        CompiledQuery joinQuery = QueryCompiler.compile(JOIN, List.of("public"), CATALOG);
        CompiledQuery aggQuery = QueryCompiler.compile(AGG, List.of("public"), CATALOG);
        System.out.println(joinQuery.explain());
        System.out.println(aggQuery.explain());
        DeltaPipeline join = joinQuery.pipeline();
        DeltaPipeline agg = aggQuery.pipeline();
        boolean rocks = args.length > 3 && args[3].equals("rocks");
        StateBackend joinState = rocks ? rocksState("join") : new InMemoryStateBackend();
        StateBackend aggState = rocks ? rocksState("agg") : new InMemoryStateBackend();
        long f0 = System.nanoTime();
        Map<String, ZSet<Map<String, String>>> fill = data.fill();
        join.apply(fill, joinState);
        agg.apply(fill, aggState);
        System.out.printf("filled %,d orders in %.1f s%n", orderCount, (System.nanoTime() - f0) / 1e9);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] joinMs = new double[measured];
        double[] aggMs = new double[measured];
        long outRows = 0;
        for (int t = 0; t < warmup + measured; t++) {
            Map<String, ZSet<Map<String, String>>> tick = data.tick();
            long c0 = mx.getCurrentThreadCpuTime();
            ZSet<List<String>> joined = join.apply(tick, joinState);
            long c1 = mx.getCurrentThreadCpuTime();
            agg.apply(tick, aggState);
            long c2 = mx.getCurrentThreadCpuTime();
            if (t >= warmup) {
                joinMs[t - warmup] = (c1 - c0) / 1e6;
                aggMs[t - warmup] = (c2 - c1) / 1e6;
                outRows += joined.size();
            }
        }
        System.out.printf("(b) join: CPU ms per tick median %.2f, lowest %.2f (%,d output rows a tick)%n",
                median(joinMs), Arrays.stream(joinMs).min().orElse(0), outRows / measured);
        System.out.printf("(c) aggregate over a join: CPU ms per tick median %.2f, lowest %.2f%n", median(aggMs),
                Arrays.stream(aggMs).min().orElse(0));
    }

    /** The runtime's state backend over a RocksDB store of its kind (bytes to bytes, no caching, no changelog). */
    private static StateBackend rocksState(String name) throws Exception {
        Path dir = Files.createTempDirectory("engine-tick-bench");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "engine-tick-bench");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(p, new TaskId(0, 0), dir.toFile());
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return RuntimeStores.stateBackend(store);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    private Map<String, ZSet<Map<String, String>>> fill() {
        Map<String, ZSet<Map<String, String>>> in = new LinkedHashMap<>();
        in.put("public.orders", all(orders.values()));
        in.put("public.customers", all(customers.values()));
        in.put("public.products", all(products.values()));
        return in;
    }

    /** One tick's changes, as the bench's Workload makes them at 1M rows. */
    private Map<String, ZSet<Map<String, String>>> tick() {
        ZSet<Map<String, String>> o = new ZSet<>();
        for (int i = 0; i < 500; i++) {
            long id = live.get(random.nextInt(live.size()));
            Map<String, String> old = orders.get(id);
            Map<String, String> now = new LinkedHashMap<>(old);
            now.put("amount", amount());
            now.put("status", STATUSES[random.nextInt(STATUSES.length)]);
            if (random.nextInt(10) == 0) {
                now.put("customer_id", String.valueOf(1 + random.nextInt(customerCount)));
                now.put("product_id", String.valueOf(1 + random.nextInt(productCount)));
            }
            if (!old.equals(now)) {
                o.add(old, -1).add(now, 1);
                orders.put(id, now);
            }
        }
        for (int i = 0; i < 250; i++) {
            long id = nextId++;
            Map<String, String> r = order(id, 1 + random.nextInt(customerCount), 1 + random.nextInt(productCount));
            orders.put(id, r);
            live.add(id);
            o.add(r, 1);
        }
        for (int i = 0; i < 250; i++) {
            int at = random.nextInt(live.size());
            long id = live.get(at);
            live.set(at, live.get(live.size() - 1));
            live.remove(live.size() - 1);
            if (o.weight(orders.get(id)) == 0) {
                o.add(orders.remove(id), -1);
            } else {
                live.add(id);
            }
        }
        ZSet<Map<String, String>> c = new ZSet<>();
        for (int i = 0; i < 100; i++) {
            int id = 1 + random.nextInt(customerCount);
            Map<String, String> old = customers.get(id);
            Map<String, String> now = new LinkedHashMap<>(old);
            now.put("nation", NATIONS[random.nextInt(NATIONS.length)]);
            now.put("segment", SEGMENTS[random.nextInt(SEGMENTS.length)]);
            c.add(old, -1).add(now, 1);
            customers.put(id, now);
        }
        ZSet<Map<String, String>> p = new ZSet<>();
        for (int i = 0; i < 10; i++) {
            int id = 1 + random.nextInt(productCount);
            Map<String, String> old = products.get(id);
            Map<String, String> now = new LinkedHashMap<>(old);
            now.put("category", String.format("category-%02d", 1 + random.nextInt(20)));
            now.put("price", price());
            p.add(old, -1).add(now, 1);
            products.put(id, now);
        }
        Map<String, ZSet<Map<String, String>>> in = new LinkedHashMap<>();
        in.put("public.orders", o);
        in.put("public.customers", c);
        in.put("public.products", p);
        return in;
    }

    private Map<String, String> order(long id, int customer, int product) {
        return row("id", id, "customer_id", customer, "product_id", product, "quantity", 1 + random.nextInt(50),
                "amount", amount(), "status", STATUSES[random.nextInt(STATUSES.length)], "ordered_at",
                String.format("2024-%02d-%02d", 1 + random.nextInt(12), 1 + random.nextInt(28)));
    }

    private String amount() {
        return String.format("%d.%02d", random.nextInt(1000), random.nextInt(100));
    }

    private String price() {
        return String.format("%d.%02d", random.nextInt(1000), random.nextInt(100));
    }

    private static Map<String, String> row(Object... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], String.valueOf(kv[i + 1]));
        }
        return m;
    }

    private static ZSet<Map<String, String>> all(Iterable<Map<String, String>> rows) {
        ZSet<Map<String, String>> z = new ZSet<>();
        rows.forEach(r -> z.add(r, 1));
        return z;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
