package dev.trickle.bench;

import dev.trickle.sink.TickApplier;
import dev.trickle.streams.operators.InMemoryStateBackend;
import dev.trickle.streams.operators.StateBackend;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.runtime.RuntimeStores;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/** One benchmarked query: its materialized view, its stream table, its two engines and what was measured. */
final class Scenario {
    final String name;
    final String title;
    final String query;

    CompiledQuery memQuery;
    CompiledQuery rocksQuery;
    List<String> sourceKeys;
    final InMemoryStateBackend memState = new InMemoryStateBackend();
    CountingState counted;
    KeyValueStore<Bytes, byte[]> rocksStore;
    StateBackend rocksState;
    /** The RocksDB engine's store calls, timed (wraps the runtime's backend). */
    TimedState rocksTimed;
    RuntimeStores.TickInput pending;
    TickApplier sink;
    Wire wire;
    long pgtId;
    long sinkTick;

    // the fill
    double createMvMs;
    double fillReadMs;
    double fillMemMs;
    double fillRocksMs;
    double fillSinkMs;
    long fillInputRows;
    long fillOutputRows;
    long heapBytes = -1;

    // sizes at the end
    long memEntries;
    long rocksEntries = -1;
    long stateBytes = -1;
    long rocksDiskBytes = -1;
    long sourcesBytes;
    long sourcesRows;
    long streamTableBytes;
    long mvBytes;
    long streamTableRows;

    // verification
    long extraRows = -1;
    long missingRows = -1;
    boolean verified;

    final List<TickResult> ticks = new ArrayList<>();
    /** The same ticks' CPU time on the benchmark's thread (ms): on a loaded machine, wall time is mostly waiting. */
    final List<CpuResult> cpu = new ArrayList<>();
    /** The process id of the sink connection's PostgreSQL backend (its CPU time is the sink's SQL work). */
    long sinkPid;
    /** The measured ticks' store calls of the RocksDB engine. */
    final List<TimedState.Calls> storeCalls = new ArrayList<>();
    /** Point reads that reached the RocksDB store (the rest the runtime's backend answered from memory). */
    final long[] rocksGets = new long[1];
    /** Per measured tick: {@link #rocksGets} during its RocksDB engine. */
    final List<Double> rocksGetsPerTick = new ArrayList<>();

    /**
     * CPU milliseconds of one tick's steps: converter, engine in memory, engine on RocksDB (tick buffer included),
     * and the sink's transaction on the benchmark's thread and in the sink connection's PostgreSQL backend.
     */
    record CpuResult(boolean warmup, double serde, double engineMem, double engineRocks, double tickBuffer,
                     double sinkJava, double sinkBackend) {
    }

    List<CpuResult> measuredCpu() {
        return cpu.stream().filter(c -> !c.warmup()).toList();
    }

    /** Everything measured for this query in one tick. Times in milliseconds. */
    record TickResult(long tick, boolean warmup, double refresh, double read, double serde, double engineMem,
                      double engineRocks, double tickBuffer, double sink, int inputRows, int outputRows, long outputWeight, long gets,
                      long scans, long scanned, long writes, long inserted, long deleted) {
        TickResult withRefresh(double millis) {
            return new TickResult(tick, warmup, millis, read, serde, engineMem, engineRocks, tickBuffer, sink, inputRows, outputRows,
                    outputWeight, gets, scans, scanned, writes, inserted, deleted);
        }

        double trickleMem() {
            return read + serde + engineMem + sink;
        }

        double trickleRocks() {
            return read + serde + engineRocks + sink;
        }
    }

    Scenario(String name, String title, String query) {
        this.name = name;
        this.title = title;
        this.query = query;
    }

    String mv() {
        return "mv_" + name;
    }

    String streamTable() {
        return "st_" + name;
    }

    List<TickResult> measured() {
        return ticks.stream().filter(t -> !t.warmup()).toList();
    }

    /** The three queries of issue #3. */
    static List<Scenario> all() {
        return List.of(
                new Scenario("filter", "(a) filter",
                        "SELECT id, customer_id, product_id, quantity, amount, ordered_at FROM orders "
                                + "WHERE status = 'shipped' AND amount >= 500"),
                new Scenario("join3", "(b) three-table join",
                        "SELECT o.id, o.quantity, o.amount, c.name AS customer, c.nation, p.name AS product, p.category "
                                + "FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id"),
                new Scenario("agg_join", "(c) grouped aggregate over a join",
                        "SELECT c.nation, c.segment, count(*) AS order_count, sum(o.amount) AS revenue, "
                                + "avg(o.quantity) AS avg_quantity FROM orders o JOIN customers c ON c.id = o.customer_id "
                                + "GROUP BY c.nation, c.segment"));
    }
}
