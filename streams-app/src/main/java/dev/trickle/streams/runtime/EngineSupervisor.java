package dev.trickle.streams.runtime;

import dev.trickle.core.TopicNames;
import dev.trickle.streams.plan.CompiledQuery;
import dev.trickle.streams.plan.QueryCompiler;
import dev.trickle.streams.sql.PgSourceCatalog;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Kafka Streams topology equal to the catalog: compiles new stream tables, reports the
 * ones the engine cannot run, and restarts the app with one sub-topology per stream table when the
 * set changes. A stream table is declared ready (and only then filled by the source connector)
 * once the app runs with its processors, so that no record of its initial fill is missed.
 */
public final class EngineSupervisor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineSupervisor.class);
    private static final Set<String> STOPPED = Set.of("ERROR", "SUSPENDED");
    /** System property: stop after the compiler warm-up and the catalog check (the class archive's run). */
    static final String WARMUP_ONLY = "trickle.warmup.only";
    private static final long WARMUP_ONLY_WAIT_MS = 120_000;

    private final AppConfig config;
    private final CatalogClient catalog;
    private final TopicAdmin topics;
    private final ParallelRefreshMonitor parallel;
    private final TopicCodecs codecs;
    private final Map<Long, CompiledQuery> compiled = new HashMap<>();
    /** What each entry of {@code compiled} and {@code full} was decided from: query, search path, sources. */
    private final Map<Long, List<Object>> decidedFrom = new HashMap<>();
    private final Map<Long, String> waitingFor = new HashMap<>();
    private final Set<Long> full = new HashSet<>();
    private final Map<Long, String> fullWhy = new HashMap<>();
    private final TopicRetirement retired = new TopicRetirement();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Map<Long, RunnableStreamTable> running = Map.of();
    private KafkaStreams streams;
    /** The plans compiled ahead at start, until the first reconciliation has taken them. */
    private PlanPrefetch prefetch;

    public EngineSupervisor(AppConfig config) {
        this.config = config;
        this.catalog = new CatalogClient(config.pgUrl(), config.pgUser(), config.pgPassword());
        this.topics = new TopicAdmin(config.streamsProperties());
        this.parallel = new ParallelRefreshMonitor(config, catalog);
        this.codecs = config.topicCodecs();
    }

    /**
     * The stream table's column types as its storage table has them (the delta topic's schema): by name, since
     * the storage table may hold columns of its own; a column not found travels as text.
     */
    private List<String> outputTypes(StreamTableDef def, CompiledQuery query) throws SQLException {
        Map<String, String> stored = new HashMap<>();
        new PgSourceCatalog(catalog.connection()).find(def.schema(), def.name())
                .ifPresent(t -> t.columns().forEach(c -> stored.put(c.name(), c.pgType())));
        return query.outputColumns().stream().map(c -> stored.getOrDefault(c, "text")).toList();
    }

    /** Runs until {@link #close()}. */
    public void run() throws InterruptedException {
        try {
            boolean warmupOnly = Boolean.getBoolean(WARMUP_ONLY);
            Thread warmup = warmupOnly ? CompilerWarmup.start() : null;
            prefetch = warmupOnly ? null : PlanPrefetch.start(config);
            catalog.install();
            if (warmupOnly) {
                // the local stack's run that writes this app's class archive at exit (the cli's ClassArchives)
                warmup.join(WARMUP_ONLY_WAIT_MS);
                LOG.info("Compiler warmed up and catalog checked; stopping ({})", WARMUP_ONLY);
                return;
            }
            // before the first Kafka Streams start of this process: what a killed predecessor left is wiped anyway
            CrashedState.removeUncheckpointedTasks(config.streamsProperties());
            LOG.info("Trickle streams app started; watching the catalog at {}", config.pg().redactedUrl());
            while (!stop.await(0, TimeUnit.MILLISECONDS)) {
                try {
                    reconcile();
                    closePrefetch();
                    parallel.afterReconcile(streams, running.keySet());
                } catch (SQLException | RuntimeException e) {
                    LOG.warn("Could not bring the engine up to date with the catalog ({}); retrying", e.getMessage());
                }
                stop.await(config.catalogPollMs(), TimeUnit.MILLISECONDS);
            }
        } finally {
            closePrefetch();
            stopStreams();
            deleteRetiredTopics(true);
            topics.close();
            catalog.close();
            stopped.countDown();
        }
    }

    void reconcile() throws SQLException, InterruptedException {
        List<StreamTableDef> defs = catalog.streamTables();
        Map<Long, RunnableStreamTable> desired = new TreeMap<>();
        Set<String> existing = topics.existingTopics();
        for (StreamTableDef def : defs) {
            if (STOPPED.contains(def.status())) {
                // planned again when it comes back (refresh_stream_table): an upstream's columns may have changed
                compiled.remove(def.id());
                continue;
            }
            CompiledQuery query = compile(def);
            if (query == null) {
                continue;
            }
            RunnableStreamTable t = RunnableStreamTable.of(def, query, config.topicPrefix(), config.deltaPartitions());
            // an upstream that runs here gets its delta topic when the engine (re)starts
            Set<String> coming = desired.values().stream().map(RunnableStreamTable::deltaTopic).collect(Collectors.toSet());
            List<String> missing = t.inputTopics().stream()
                    .filter(topic -> !existing.contains(topic) && !coming.contains(topic)).toList();
            if (!missing.isEmpty()) {
                if (!missing.get(0).equals(waitingFor.put(def.id(), missing.get(0)))) {
                    LOG.info("Stream table {} waits for change topic {} (the source connector creates it at its next tick)",
                            def.displayName(), missing.get(0));
                }
                continue;
            }
            waitingFor.remove(def.id());
            desired.put(def.id(), t);
        }
        // a stream table in ERROR keeps its metrics (errors-total, status): only a dropped one loses them
        EngineMetrics.shared().retain(defs.stream().map(StreamTableDef::displayName).toList());
        compiled.keySet().retainAll(defs.stream().map(StreamTableDef::id).toList());
        decidedFrom.keySet().retainAll(defs.stream().map(StreamTableDef::id).toList());
        full.retainAll(defs.stream().map(StreamTableDef::id).toList());
        fullWhy.keySet().retainAll(full);
        Set<Long> existingIds = defs.stream().map(StreamTableDef::id).collect(Collectors.toSet());
        List<RunnableStreamTable> dropped = running.values().stream().filter(t -> !existingIds.contains(t.id())).toList();
        boolean streamsFailed = streams != null && streams.state() == KafkaStreams.State.ERROR;
        boolean replanned = desired.values().stream()
                .anyMatch(t -> running.containsKey(t.id()) && running.get(t.id()).compiled() != t.compiled());
        if (!desired.keySet().equals(running.keySet()) || streamsFailed || replanned) {
            restart(desired);
            retired.retire(topicsOf(dropped), System.currentTimeMillis());
        }
        // a stream table created again under a dropped one's name (in any mode) writes to the same delta topic
        List<String> reused = retired.keep(defs.stream()
                .map(d -> TopicNames.delta(config.topicPrefix(), d.schema(), d.name())).toList());
        if (!reused.isEmpty()) {
            LOG.info("Topics {} of a dropped stream table are in use again; not deleting them", reused);
        }
        deleteRetiredTopics(false);
        if (streams != null && streams.state() == KafkaStreams.State.RUNNING) {
            List<Long> notReady = new ArrayList<>();
            for (StreamTableDef def : defs) {
                if (running.containsKey(def.id()) && !def.engineReady()) {
                    notReady.add(def.id());
                    RunnableStreamTable t = running.get(def.id());
                    catalog.markEngineReady(def.id(), t.compiled().explain(), t.floor());
                }
            }
            if (!notReady.isEmpty()) {
                LOG.info("Engine runs stream table(s) {}; the source connector fills them at its next tick", notReady);
            }
        }
    }

    private void closePrefetch() {
        if (prefetch != null) {
            prefetch.close();
            prefetch = null;
        }
    }

    private CompiledQuery compile(StreamTableDef def) throws SQLException, InterruptedException {
        List<Object> basis = List.of(def.query(), def.searchPath(), def.sources(), def.refreshMode(), def.planGeneration(),
                def.timeZone());
        List<Object> before = decidedFrom.put(def.id(), basis);
        if (before != null && !before.equals(basis)) {
            // the catalog rewrote the query (a source or column was renamed) or alter_stream_table changed the query
            // or mode: plan it anew; the catalog asked for a new fill, and a running stream table whose plan
            // changes restarts the engine (its tasks drop the old plan's state, see FillTracker#startPlan)
            LOG.info("The defining query or mode of stream table {} changed; planning it again", def.displayName());
            compiled.remove(def.id());
            full.remove(def.id());
        }
        CompiledQuery query = compiled.get(def.id());
        if (query != null) {
            return query;
        }
        if (full.contains(def.id())) {
            if (!def.engineReady()) { // refreshed after an error, or its old plan stopped: the connector may recompute it
                catalog.markFullMode(def.id(), fullWhy.getOrDefault(def.id(), "FULL mode"));
            }
            return null;
        }
        if ("FULL".equals(def.refreshMode())) {
            runInFullMode(def, "refresh_mode => 'FULL': PostgreSQL recomputes the query at every tick in which a source changed");
            return null;
        }
        String fullUpstream = fullUpstream(def);
        if (fullUpstream != null) {
            String why = "it reads stream table " + fullUpstream + ", which is refreshed in FULL mode: each of its "
                    + "refreshes replaces its whole content, so there is no delta to maintain this one from";
            if ("AUTO".equals(def.refreshMode())) {
                runInFullMode(def, "AUTO chose FULL: " + why);
            } else {
                LOG.error("Stream table {} cannot be maintained: {}", def.displayName(), why);
                catalog.markError(def.id(), "refresh_mode => 'DIFFERENTIAL' is not possible: " + why
                        + "; create it with refresh_mode => 'AUTO' or 'FULL', or make the upstream DIFFERENTIAL");
            }
            return null;
        }
        String error;
        try {
            query = prefetch == null ? null : prefetch.take(def);
            if (query == null) {
                query = QueryCompiler.compile(def.query(), def.searchPath(), def.timeZone(),
                        new PgSourceCatalog(catalog.connection()));
            }
            compiled.put(def.id(), query);
            codecs.outputTypes(def.id(), outputTypes(def, query));
            // the delta topic is keyed by the planner's key (a result of at most one row has no key columns)
            codecs.uniqueKey(def.id(), query.uniqueKey().orElse(List.of()));
            LOG.info("Compiled stream table {}:\n{}", def.displayName(), query.explain());
            recordRowKey(def, query.uniqueKeyColumns().orElse(null));
            return query;
        } catch (QueryCompileException e) {
            error = "the engine could not compile the defining query: " + e.getMessage();
        } catch (UnsupportedQueryException e) {
            error = e.getMessage();
        }
        if ("AUTO".equals(def.refreshMode())) {
            runInFullMode(def, "AUTO chose FULL: " + error);
            return null;
        }
        LOG.error("Stream table {} cannot be maintained: {}", def.displayName(), error);
        catalog.markError(def.id(), error);
        return null;
    }

    /** The first upstream stream table of {@code def} that runs in FULL mode (by its name), or null. */
    private String fullUpstream(StreamTableDef def) {
        for (StreamTableDef.SourceName s : def.sources()) {
            if (s.upstreamId() != null && full.contains(s.upstreamId())) {
                return dev.trickle.core.pg.Sql.qualified(s.schema(), s.name());
            }
        }
        return null;
    }

    /** FULL stream tables are recomputed by the source connector at the tick snapshot, without the engine. */
    /**
     * The sink applies the stream table by this key (null: by whole rows); the catalog moves its index. A key
     * that cannot be recorded or indexed leaves the stream table applied by whole rows, which is always right.
     */
    private void recordRowKey(StreamTableDef def, List<String> key) {
        try {
            List<String> recorded = catalog.recordRowKey(def.id(), key);
            if (key != null && recorded == null) {
                LOG.warn("Stream table {} has key ({}) but no index on it (see PostgreSQL's warning); the sink matches "
                        + "whole rows", def.displayName(), String.join(", ", key));
            }
        } catch (SQLException e) {
            LOG.warn("Could not record the key of stream table {}; the sink matches whole rows: {}", def.displayName(),
                    e.getMessage());
        }
    }

    private void runInFullMode(StreamTableDef def, String why) throws SQLException {
        full.add(def.id());
        fullWhy.put(def.id(), why);
        recordRowKey(def, null);
        if (running.containsKey(def.id())) {
            // altered to FULL: its old plan runs until the engine restarts without it, and a delta of it must not
            // follow the FULL fill, so the source connector may fill it only from the next round on
            LOG.info("Stream table {} runs in FULL mode once the engine stopped its operators ({})", def.displayName(), why);
            return;
        }
        catalog.markFullMode(def.id(), why);
        LOG.info("Stream table {} runs in FULL mode ({})", def.displayName(), why);
    }

    private void restart(Map<Long, RunnableStreamTable> desired) throws InterruptedException, SQLException {
        stopStreams();
        if (desired.isEmpty()) {
            running = Map.of();
            LOG.info("No stream table to maintain; the engine idles");
            return;
        }
        // Read with no engine running: every delta record consumed so far is of this tick or older. A
        // stream table the engine runs already keeps the tick it was declared ready at.
        long consumedUpTo = catalog.maxTick();
        Map<String, Integer> partitions = topics.ensureTopics(
                desired.values().stream().map(RunnableStreamTable::deltaTopic).toList(),
                config.deltaPartitions(), config.replicationFactor());
        topics.ensureTopics(desired.values().stream().filter(RunnableStreamTable::stateful)
                .map(RunnableStreamTable::gatherTopic).toList(), 1, config.replicationFactor());
        Map<Long, RunnableStreamTable> next = new TreeMap<>();
        desired.forEach((id, t) -> next.put(id, t.withDeltaPartitions(partitions.get(t.deltaTopic()))
                .withFloor(t.def().engineReady() && t.def().readyTick() != null ? t.def().readyTick() : consumedUpTo)));
        Topology topology = TopologyFactory.build(next.values(), new CatalogReporter(), codecs);
        LOG.info("Starting the engine with {} stream table(s): {}", next.size(),
                next.values().stream().map(RunnableStreamTable::displayName).toList());
        LOG.debug("Topology:\n{}", topology.describe());
        KafkaStreams s = new KafkaStreams(topology, config.streamsProperties());
        s.setUncaughtExceptionHandler(e -> {
            LOG.error("A stream thread failed; replacing it (work resumes from the last commit)", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        s.start();
        streams = s;
        running = next;
    }

    /** A dropped stream table's delta topic and the changelogs of its stores go with it (see {@link TopicRetirement}). */
    private List<String> topicsOf(Collection<RunnableStreamTable> tables) {
        String appId = config.streamsProperties().getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        List<String> names = new ArrayList<>();
        for (RunnableStreamTable t : tables) {
            names.add(t.deltaTopic());
            names.add(t.gatherTopic());
            t.stores().forEach(store -> names.add(appId + "-" + store + "-changelog"));
        }
        return names;
    }

    /** Deletes the retired topics that are due, or all of them when the app stops; tried again next round on failure. */
    private void deleteRetiredTopics(boolean stopping) {
        if (retired.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        try {
            List<String> due = stopping ? retired.pending()
                    : retired.due(now, topics.lastCreatedAt(), topics.consumerGroupsSettled());
            if (due.isEmpty()) {
                return;
            }
            Set<String> existing = topics.existingTopics();
            List<String> present = due.stream().filter(existing::contains).toList();
            topics.deleteTopics(present);
            if (!stopping && retired.overdue(due, now)) {
                LOG.warn("Deleted the topics of dropped stream table(s) {} after waiting {} s for the consumer groups "
                        + "to settle; a sink task that gets one of them assigned meanwhile may stall", present,
                        TopicRetirement.MAX_WAIT_MS / 1000);
            } else {
                LOG.info("Deleted the topics of dropped stream table(s): {}", present);
            }
            retired.deleted(due);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Could not delete the topics of dropped stream tables {} ({}); retrying", retired.pending(),
                    e.getMessage());
        }
    }

    /** Failures and refill requests of running stream tables go to the catalog. */
    private final class CatalogReporter implements ErrorReporter {
        @Override
        public void streamTableFailed(long id, String message) {
            try {
                catalog.markError(id, message);
            } catch (SQLException e) {
                LOG.error("Could not record the failure of stream table {} in the catalog: {}", id, e.getMessage());
            }
        }

        @Override
        public void refillNeeded(long id, String reason) {
            try {
                catalog.requestRefill(id);
                LOG.info("Stream table {} is filled again at a later tick: {}", id, reason);
            } catch (SQLException e) {
                // the task redoes the tick after a restart only if it fails; say it loudly instead
                LOG.error("Could not request a new fill of stream table {} ({}): {}; run "
                        + "pgtrickle.refresh_stream_table on it", id, reason, e.getMessage());
            }
        }
    }

    /**
     * Leaves the consumer group on the way out, also as a static member (AppConfig: group.instance.id): the tasks
     * then move at once to the instances still running, or to the engine restarted with a new set of stream tables.
     * Only a crash leaves the membership behind, for the restarted instance to take back.
     */
    private void stopStreams() {
        if (streams != null) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            streams = null;
        }
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            stopped.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
