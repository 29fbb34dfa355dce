package dev.trickle.bench;

import dev.trickle.core.catalog.CatalogInstaller;
import dev.trickle.core.pg.Sql;
import dev.trickle.core.records.ChangeRecord;
import dev.trickle.core.records.DeltaRecord;
import dev.trickle.sink.TickApplier;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.rows.ZSet;
import dev.trickle.streams.runtime.RuntimeStores;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.SourceTable;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The main benchmark: per tick, REFRESH MATERIALIZED VIEW against Trickle's work to bring the stream table of
 * the same query up to date (read the tick's changes, the engine's work on them, the sink's transaction).
 */
final class IncrementalBench {
    private final Config cfg;
    private final Report report;
    private final String url;
    private final List<Scenario> scenarios = Scenario.all();

    IncrementalBench(Config cfg, Report report, String url) {
        this.cfg = cfg;
        this.report = report;
        this.url = url;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, cfg.pgUser(), cfg.pgPassword());
    }

    void run() throws Exception {
        report.scenarios = scenarios;
        Workload workload = new Workload(cfg.rows(), cfg.customers(), cfg.products(), cfg.changes(), cfg.seed());
        report.workload = workload;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            report.pgFacts(c);
            Log.step("generating %,d orders, %,d customers, %,d products", cfg.rows(), cfg.customers(), cfg.products());
            for (Scenario sc : scenarios) {
                s.execute("DROP MATERIALIZED VIEW IF EXISTS " + sc.mv());
            }
            if (cfg.pgUrl() != null && !Boolean.getBoolean("bench.pg.reset")
                    && "t".equals(one(c, "SELECT to_regnamespace('pgtrickle') IS NOT NULL OR to_regclass('orders') IS NOT NULL "
                    + "OR to_regclass('customers') IS NOT NULL OR to_regclass('products') IS NOT NULL"))) {
                throw new IllegalStateException("the database at " + dev.trickle.core.pg.PgRedaction.redact(cfg.pgUrl()) + " has a pgtrickle catalog or tables "
                        + "named orders, customers or products: the benchmark drops and recreates them. Use an empty "
                        + "database, or pass -Dbench.pg.reset=true to allow that");
            }
            s.execute("DROP SCHEMA IF EXISTS pgtrickle CASCADE");
            s.execute("DROP SCHEMA IF EXISTS pgtrickle_changes CASCADE");
            for (Scenario sc : scenarios) {
                s.execute("DROP TABLE IF EXISTS " + sc.streamTable());
            }
            long t0 = System.nanoTime();
            workload.create(c);
            report.generateMs = millisSince(t0);
            Log.step("generated in %.1f s", report.generateMs / 1000);

            // the cost of the DML itself before capture exists, to show what the capture triggers add (after a
            // checkpoint, so that writing back the generated data does not slow it; the first run is left out)
            s.execute("CHECKPOINT");
            workload.tick(c);
            for (int i = 0; i < cfg.baselineTicks(); i++) {
                report.dmlWithoutCapture.add(workload.tick(c).millis());
            }
            s.execute("VACUUM ANALYZE orders");

            for (Scenario sc : scenarios) {
                long m0 = System.nanoTime();
                s.execute("CREATE MATERIALIZED VIEW " + sc.mv() + " AS " + sc.query);
                sc.createMvMs = millisSince(m0);
                Log.step("%s: CREATE MATERIALIZED VIEW in %.1f s", sc.title, sc.createMvMs / 1000);
            }
            CatalogInstaller.install(url, cfg.pgUser(), cfg.pgPassword());
            for (Scenario sc : scenarios) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT pgtrickle.create_stream_table(?, ?, '1s', 'DIFFERENTIAL')")) {
                    ps.setString(1, sc.streamTable());
                    ps.setString(2, sc.query);
                    ps.execute();
                }
                sc.pgtId = Long.parseLong(one(c, "SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = "
                        + Sql.literal(sc.streamTable())));
                sc.memQuery = QueryCompiler.compile(sc.query, List.of("public"), new PgSourceCatalog(c));
                sc.rocksQuery = QueryCompiler.compile(sc.query, List.of("public"), new PgSourceCatalog(c));
                sc.sourceKeys = sc.memQuery.sources().stream().map(SourceTable::qualifiedName).distinct().toList();
                sc.counted = new CountingState(sc.memState);
                recordRowKey(c, sc);
                Connection sinkConnection = connect();
                sc.sinkPid = Long.parseLong(one(sinkConnection, "SELECT pg_backend_pid()"));
                sc.sink = new TickApplier(sinkConnection);
                sc.wire = new Wire(c, sc.memQuery.sources(), sc.streamTable(), sc.memQuery.outputColumns(),
                        sc.memQuery.uniqueKey().orElse(List.of()));
                report.explains.put(sc.name, sc.memQuery.explain());
            }
        }

        Path rocksDir = cfg.workDir().resolve("rocksdb-" + System.currentTimeMillis());
        RocksStores rocks = cfg.rocks() ? new RocksStores(rocksDir) : null;
        try {
            runTicks(workload, rocks);
        } finally {
            if (rocks != null) {
                rocks.close();
                rocks.deleteFiles();
            }
        }
        try (Connection c = connect()) {
            for (Scenario sc : scenarios) {
                verify(c, sc);
                sc.sink.close();
                Log.step("%s: %s (extra %d, missing %d of %,d rows); state %,d entries", sc.title,
                        sc.verified ? "stream table equals the materialized view" : "DIFFERS from the materialized view",
                        sc.extraRows, sc.missingRows, sc.streamTableRows, sc.memEntries);
            }
        }
    }

    private void runTicks(Workload workload, RocksStores rocks) throws Exception {
        try (Connection captureConn = connect(); Connection dml = connect(); Connection refresh = connect()) {
            Capture capture = new Capture(captureConn, Capture.catalogSources(refresh));
            Map<String, Capture.Source> sources = new LinkedHashMap<>();
            Capture.catalogSources(refresh).forEach(src -> sources.put(src.key(), src));
            report.heapBaseline = usedHeapAfterGc();
            long heapBefore = report.heapBaseline;
            for (Scenario sc : scenarios) {
                if (rocks != null) {
                    sc.rocksStore = rocks.bytes("st-" + sc.pgtId + "-state");
                    sc.rocksState = RuntimeStores.stateBackend(countingGets(sc.rocksStore, sc.rocksGets));
                    if (Boolean.getBoolean("bench.rocks.timers")) {
                        sc.rocksTimed = new TimedState(sc.rocksState);
                        sc.rocksState = sc.rocksTimed;
                    }
                    sc.pending = RuntimeStores.tickInput(rocks.bytes("st-" + sc.pgtId + "-pending"), sc.sourceKeys);
                }
                fill(sc, capture, sources);
                long heapAfter = usedHeapAfterGc();
                sc.heapBytes = heapAfter - heapBefore;
                heapBefore = heapAfter;
                Log.step("%s: filled %,d input rows -> %,d rows; engine %.1f s in memory, %s RocksDB; sink %.1f s; "
                                + "state %,d entries, heap +%,d MB",
                        sc.title, sc.fillInputRows, sc.fillOutputRows, sc.fillMemMs / 1000,
                        rocks == null ? "no" : String.format("%.1f s", sc.fillRocksMs / 1000), sc.fillSinkMs / 1000,
                        sc.memState.size(), sc.heapBytes >> 20);
            }
            // the fills dirtied a lot of pages: write them back now rather than during the first measured ticks
            try (Statement s = refresh.createStatement()) {
                s.execute("CHECKPOINT");
            }
            capture.start();

            int total = cfg.warmup() + cfg.ticks();
            for (int i = 0; i < total; i++) {
                boolean warmup = i < cfg.warmup();
                Workload.TickDml d = workload.tick(dml);
                report.dml.add(d);
                if (!warmup) {
                    report.dmlWithCapture.add(d.millis());
                }
                Capture.Tick tick = capture.next();
                // alternate who goes first, so that neither side always finds the caches as the other left them
                boolean refreshFirst = i % 2 == 1;
                List<Scenario> order = new ArrayList<>(scenarios);
                if (i % 3 == 1) {
                    order.add(order.remove(0));
                } else if (i % 3 == 2) {
                    order.add(0, order.remove(order.size() - 1));
                }
                for (Scenario sc : order) {
                    double refreshMs = refreshFirst ? refresh(refresh, sc) : Double.NaN;
                    Scenario.TickResult r = trickleTick(sc, tick, warmup, refreshMs);
                    if (!refreshFirst) {
                        r = r.withRefresh(refresh(refresh, sc));
                    }
                    sc.ticks.add(r);
                }
                StringBuilder line = new StringBuilder();
                for (Scenario sc : scenarios) {
                    Scenario.TickResult r = sc.ticks.get(sc.ticks.size() - 1);
                    line.append(String.format("  %s refresh %.0f ms, trickle %.1f ms (rocks %.1f)", sc.name, r.refresh(),
                            r.trickleMem(), r.trickleRocks()));
                }
                Log.step("tick %d%s: dml %.0f ms%s", tick.id(), warmup ? " (warm-up)" : "", d.millis(), line);
            }
            for (Scenario sc : scenarios) {
                measureSizes(refresh, sc);
            }
            if (rocks != null) {
                // closing flushes the memtables: the files then hold everything the stores hold
                rocks.close();
                for (Scenario sc : scenarios) {
                    sc.rocksDiskBytes = rocks.diskBytes(sc.rocksStore.name());
                }
            }
        }
    }

    /** The fill: every source row through both engines at one snapshot, the output applied as the initial tick. */
    private void fill(Scenario sc, Capture capture, Map<String, Capture.Source> sources) throws Exception {
        ZSet<List<String>> output = new ZSet<>();
        // dimensions first, the fact table last (any order gives the same result; this one is the usual load order)
        List<String> keys = new ArrayList<>(sc.sourceKeys);
        keys.sort(Comparator.comparing((String k) -> k.endsWith(".orders")).thenComparing(k -> k));
        for (String key : keys) {
            long[] readStart = {System.nanoTime()};
            capture.fill(sources.get(key), cfg.fillBatch(), batch -> {
                sc.fillReadMs += millisSince(readStart[0]);
                ZSet<Map<String, String>> delta = new ZSet<>();
                for (Capture.Change ch : batch) {
                    delta.add(ch.values(), ch.weight());
                }
                Map<String, ZSet<Map<String, String>>> inputs = Map.of(key, delta);
                sc.fillInputRows += batch.size();
                try {
                    long t0 = System.nanoTime();
                    ZSet<List<String>> out = sc.memQuery.pipeline().apply(inputs, sc.memState);
                    sc.fillMemMs += millisSince(t0);
                    if (sc.rocksState != null) {
                        long t1 = System.nanoTime();
                        ZSet<List<String>> rocksOut = sc.rocksQuery.pipeline().apply(inputs, sc.rocksState);
                        sc.fillRocksMs += millisSince(t1);
                        if (!rocksOut.equals(out)) {
                            throw new IllegalStateException(sc.title + ": the RocksDB-backed engine's fill output differs");
                        }
                    }
                    output.addAll(out);
                } catch (Exception e) {
                    throw new IllegalStateException(sc.title + ": the engine failed on the fill: " + e.getMessage(), e);
                }
                readStart[0] = System.nanoTime();
            });
        }
        sc.fillOutputRows = output.size();
        long t0 = System.nanoTime();
        List<DeltaRecord.Row> rows = deltaRows(++sc.sinkTick, output.asMap());
        sc.sink.apply(sc.pgtId, sc.sinkTick, true, rows);
        sc.fillSinkMs = millisSince(t0);
    }

    /**
     * The stream table's unique key recorded as the streams app records it when it compiles the query
     * (CatalogClient.recordRowKey): the sink then applies deltas by key, as in a deployment.
     */
    private static void recordRowKey(Connection c, Scenario sc) throws SQLException {
        List<String> key = sc.memQuery.uniqueKeyColumns().orElse(null);
        try (PreparedStatement ps = c.prepareStatement("SELECT pgtrickle._set_row_key(?, ?)")) {
            ps.setLong(1, sc.pgtId);
            ps.setArray(2, key == null ? null : c.createArrayOf("text", key.toArray()));
            ps.execute();
        }
    }

    private double refresh(Connection c, Scenario sc) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.execute("REFRESH MATERIALIZED VIEW " + sc.mv());
        }
        return millisSince(t0);
    }

    /** Trickle's work for one stream table and one tick, each part timed on its own. */
    private Scenario.TickResult trickleTick(Scenario sc, Capture.Tick tick, boolean warmup, double refreshMs)
            throws Exception {
        // change records as the streams app receives them: written by the source connector, read by the app,
        // through the shipped default converter
        long s0 = System.nanoTime();
        long c0 = cpuNanos();
        Map<String, List<ChangeRecord.Row>> received = new LinkedHashMap<>();
        for (String key : sc.sourceKeys) {
            List<ChangeRecord.Row> rows = new ArrayList<>();
            for (Capture.Change ch : tick.changes().getOrDefault(key, List.of())) {
                rows.add(sc.wire.change(key, tick.id(), ch.weight(), ch.values()));
            }
            received.put(key, rows);
        }
        double serdeIn = millisSince(s0);
        double cpuSerdeIn = cpuMillisSince(c0);

        long e0 = System.nanoTime();
        long ce0 = cpuNanos();
        Map<String, ZSet<Map<String, String>>> inputs = new LinkedHashMap<>();
        received.forEach((key, rows) -> {
            if (!rows.isEmpty()) {
                ZSet<Map<String, String>> delta = new ZSet<>();
                rows.forEach(r -> delta.add(r.values(), r.weight()));
                inputs.put(key, delta);
            }
        });
        sc.counted.reset();
        ZSet<List<String>> out = sc.memQuery.pipeline().apply(inputs, sc.counted);
        double engineMem = millisSince(e0);
        double cpuMem = cpuMillisSince(ce0);
        double cpuRocks = Double.NaN;
        double cpuBuffer = Double.NaN;

        double engineRocks = Double.NaN;
        double tickBuffer = Double.NaN;
        if (sc.rocksState != null) {
            // as the runtime's gather task: each change row into the tick buffer store, the tick drained, then the operators
            if (sc.rocksTimed != null) {
                sc.rocksTimed.take(); // the fill's and the warm-up's calls are not this tick's
            }
            long gets0 = sc.rocksGets[0];
            long r0 = System.nanoTime();
            long cr0 = cpuNanos();
            for (int i = 0; i < sc.sourceKeys.size(); i++) {
                for (ChangeRecord.Row r : received.get(sc.sourceKeys.get(i))) {
                    sc.pending.add(tick.id(), i, r.values(), r.weight());
                }
            }
            Map<String, ZSet<Map<String, String>>> buffered = sc.pending.drain(tick.id());
            tickBuffer = millisSince(r0);
            cpuBuffer = cpuMillisSince(cr0);
            ZSet<List<String>> rocksOut = sc.rocksQuery.pipeline().apply(buffered, sc.rocksState);
            engineRocks = millisSince(r0);
            cpuRocks = cpuMillisSince(cr0);
            if (sc.rocksTimed != null && !warmup) {
                sc.storeCalls.add(sc.rocksTimed.take());
            }
            if (!warmup) {
                sc.rocksGetsPerTick.add((double) (sc.rocksGets[0] - gets0));
            }
            if (!rocksOut.equals(out)) {
                throw new IllegalStateException(sc.title + ": at tick " + tick.id()
                        + " the RocksDB-backed engine's output differs from the in-memory one's");
            }
        }

        // delta records as the sink receives them: encoded by the streams app, decoded by the sink
        long d0 = System.nanoTime();
        long cd0 = cpuNanos();
        long sinkTick = ++sc.sinkTick;
        List<DeltaRecord.Row> delta = new ArrayList<>(out.size());
        long weight = 0;
        for (var e : out.asMap().entrySet()) {
            delta.add(sc.wire.delta(sinkTick, e.getValue(), e.getKey()));
            weight += Math.abs(e.getValue());
        }
        double serdeOut = millisSince(d0);
        double cpuSerde = cpuSerdeIn + cpuMillisSince(cd0);

        long k0 = System.nanoTime();
        long ck0 = cpuNanos();
        long bk0 = ProcessCpu.scheduledNanos(sc.sinkPid);
        TickApplier.Applied applied = sc.sink.apply(sc.pgtId, sinkTick, false, delta);
        double sinkMs = millisSince(k0);
        double cpuSink = cpuMillisSince(ck0);
        double cpuSinkBackend = (ProcessCpu.scheduledNanos(sc.sinkPid) - bk0) / 1e6;
        sc.cpu.add(new Scenario.CpuResult(warmup, cpuSerde, cpuMem, cpuRocks, cpuBuffer, cpuSink, cpuSinkBackend));

        return new Scenario.TickResult(tick.id(), warmup, refreshMs, tick.millisFor(sc.sourceKeys), serdeIn + serdeOut,
                engineMem, engineRocks, tickBuffer, sinkMs, tick.rowsFor(sc.sourceKeys), out.size(), weight, sc.counted.gets,
                sc.counted.scans, sc.counted.scanned, sc.counted.puts + sc.counted.deletes, applied.inserted(),
                applied.deleted());
    }

    /** {@code store} with the point reads that reach it counted in {@code gets[0]} (one increment a call). */
    @SuppressWarnings("unchecked")
    private static KeyValueStore<Bytes, byte[]> countingGets(KeyValueStore<Bytes, byte[]> store, long[] gets) {
        return (KeyValueStore<Bytes, byte[]>) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
                new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("get")) {
                        gets[0]++;
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void measureSizes(Connection c, Scenario sc) throws SQLException {
        sc.memEntries = sc.memState.size();
        if (sc.rocksStore != null) {
            long[] size = RocksStores.logicalSize(sc.rocksStore);
            sc.rocksEntries = size[0];
            sc.stateBytes = size[1];
            if (sc.rocksEntries != sc.memEntries) {
                throw new IllegalStateException(sc.title + ": the RocksDB store holds " + sc.rocksEntries
                        + " entries, the in-memory backend " + sc.memEntries);
            }
        }
        List<String> rels = sc.sourceKeys.stream().map(k -> Sql.literal(k)).toList();
        sc.sourcesBytes = Long.parseLong(one(c, "SELECT sum(pg_total_relation_size(r::regclass)) FROM unnest(ARRAY["
                + String.join(", ", rels) + "]) r"));
        long rows = 0;
        for (String k : sc.sourceKeys) {
            rows += Long.parseLong(one(c, "SELECT count(*) FROM " + k));
        }
        sc.sourcesRows = rows;
        sc.streamTableBytes = Long.parseLong(one(c, "SELECT pg_total_relation_size(" + Sql.literal(sc.streamTable()) + ")"));
        sc.mvBytes = Long.parseLong(one(c, "SELECT pg_total_relation_size(" + Sql.literal(sc.mv()) + ")"));
    }

    /** The oracle: the stream table equals the materialized view (EXCEPT ALL both ways is empty). */
    private static void verify(Connection c, Scenario sc) throws SQLException {
        String st = sc.streamTable();
        String mv = sc.mv();
        sc.extraRows = Long.parseLong(one(c, "SELECT count(*) FROM (TABLE " + st + " EXCEPT ALL TABLE " + mv + ") d"));
        sc.missingRows = Long.parseLong(one(c, "SELECT count(*) FROM (TABLE " + mv + " EXCEPT ALL TABLE " + st + ") d"));
        sc.streamTableRows = Long.parseLong(one(c, "SELECT count(*) FROM " + st));
        long mvRows = Long.parseLong(one(c, "SELECT count(*) FROM " + mv));
        sc.verified = sc.extraRows == 0 && sc.missingRows == 0 && mvRows == sc.streamTableRows;
    }

    static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** A delta as the sink sees it after decoding: value lists with weights. */
    private static List<DeltaRecord.Row> deltaRows(long tick, Map<List<String>, Long> delta) {
        return delta.entrySet().stream().map(e -> new DeltaRecord.Row(tick, e.getValue(), e.getKey())).toList();
    }

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU time of this thread (JNI calls into RocksDB included). */
    static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    static double cpuMillisSince(long t0) {
        return (cpuNanos() - t0) / 1e6;
    }

    static double millisSince(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
