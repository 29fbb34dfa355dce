package dev.trickle.streams.runtime;

import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the catalog's stream tables on two background threads as soon as the app starts, while the main thread
 * checks the catalog, clears a killed predecessor's task state and asks Kafka for its topics. After a restart these
 * plans were compiled one after the other on the main thread before Kafka Streams could start (Calcite's first
 * compilation in a JVM included), which was one of the largest parts of the app's restart (docs/consistency.md,
 * Recovery after a crash). The engine takes a plan from here only when its stream table's query, search path, time
 * zone and plan generation are still the ones it was compiled from; anything else (a stream table created later, a
 * catalog that could not be read yet, a definition changed meanwhile) is compiled on the main thread as before. With
 * no stream table to plan, the threads compile {@link CompilerWarmup}'s query instead, so the first stream table
 * created later does not pay for Calcite's start.
 */
final class PlanPrefetch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlanPrefetch.class);
    private static final int THREADS = 2;
    private static final Set<String> SKIPPED = Set.of("ERROR", "SUSPENDED");

    /**
     * What a plan is compiled from: the arguments of {@link QueryCompiler#compile}, and the plan generation, which
     * the catalog advances when an upstream's columns change under an unchanged query (the plan must read them anew).
     */
    record Basis(String query, List<String> searchPath, String timeZone, long planGeneration) {
        static Basis of(StreamTableDef def) {
            return new Basis(def.query(), def.searchPath(), def.timeZone(), def.planGeneration());
        }
    }

    private record Plan(Basis basis, Future<CompiledQuery> compiled) {
    }

    private final Map<Long, Plan> plans = new ConcurrentHashMap<>();
    private final CountDownLatch listed = new CountDownLatch(1);
    private final ExecutorService pool;
    private final List<Connection> connections = new ArrayList<>();
    private final long started = System.nanoTime();
    /** Plans still being compiled, plus one while the listing runs: the last one says how long it all took. */
    private final AtomicInteger pending = new AtomicInteger(1);
    private final AtomicInteger submitted = new AtomicInteger();
    private final ThreadLocal<Connection> connection = new ThreadLocal<>();

    private PlanPrefetch(AppConfig config) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "trickle-plan-prefetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.submit(() -> list(config));
    }

    /** Starts listing and planning the catalog's stream tables in the background. */
    static PlanPrefetch start(AppConfig config) {
        return new PlanPrefetch(config);
    }

    private void list(AppConfig config) {
        try {
            List<StreamTableDef> defs = List.of();
            try (CatalogClient catalog = new CatalogClient(config.pgUrl(), config.pgUser(), config.pgPassword())) {
                defs = catalog.streamTables();
            } catch (SQLException | RuntimeException e) {
                // a catalog not installed or not reachable yet: the main thread compiles, as without this class
                LOG.debug("Could not read the stream tables to plan them ahead: {}", e.getMessage());
            }
            for (StreamTableDef def : defs) {
                if (!"FULL".equals(def.refreshMode()) && !SKIPPED.contains(def.status())) {
                    Basis basis = Basis.of(def);
                    pending.incrementAndGet();
                    submitted.incrementAndGet();
                    plans.put(def.id(), new Plan(basis, pool.submit(() -> compile(config, basis))));
                }
            }
            if (plans.isEmpty()) {
                pool.submit(CompilerWarmup::compile);
            }
            planned();
        } finally {
            listed.countDown();
            pool.shutdown();
        }
    }

    private CompiledQuery compile(AppConfig config, Basis basis) throws Exception {
        try {
            // one connection per thread: reading the source tables' columns is a catalog query per table
            return QueryCompiler.compile(basis.query(), basis.searchPath(), basis.timeZone(),
                    new PgSourceCatalog(connection(config)));
        } finally {
            planned();
        }
    }

    private void planned() {
        if (pending.decrementAndGet() == 0 && submitted.get() > 0) {
            // the restart's timeline in the log (docs/consistency.md, Recovery after a crash)
            LOG.info("Planned {} stream table(s) ahead in {} ms", submitted.get(),
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    private Connection connection(AppConfig config) throws SQLException {
        Connection c = connection.get();
        if (c == null || c.isClosed()) {
            c = DriverManager.getConnection(config.pgUrl(), config.pgUser(), config.pgPassword());
            c.setAutoCommit(true);
            connection.set(c);
            synchronized (connections) {
                connections.add(c);
            }
        }
        return c;
    }

    /**
     * The plan compiled ahead for {@code def}, waiting for it if it is still being compiled; null when there is none
     * for this definition (then the caller compiles). Each plan is handed out once. A compilation that failed
     * throws what {@link QueryCompiler#compile} threw, except a failure to reach PostgreSQL (then null).
     */
    CompiledQuery take(StreamTableDef def) throws QueryCompileException, UnsupportedQueryException,
            InterruptedException {
        listed.await();
        Plan plan = plans.remove(def.id());
        if (plan == null || !plan.basis().equals(Basis.of(def))) {
            return null;
        }
        try {
            return plan.compiled().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof QueryCompileException q) {
                throw q;
            }
            if (cause instanceof UnsupportedQueryException u) {
                throw u;
            }
            LOG.debug("Planning stream table {} ahead failed ({}); planning it now", def.displayName(),
                    cause.toString());
            return null;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        synchronized (connections) {
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing at the end of the start-up: nothing to do about it
                }
            }
            connections.clear();
        }
    }
}
