package dev.trickle.streams.runtime;

import dev.trickle.core.parallel.Heartbeat;
import dev.trickle.core.parallel.ParallelMode;
import dev.trickle.core.parallel.RefreshPlan;
import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams app's side of parallel refresh: its heartbeat (mode, stream threads, threads busy with tasks) for
 * pgtrickle.worker_pool_status() and health_check(), and, in dry_run and on, the plan of execution units logged
 * whenever the set of stream tables the engine runs changes.
 */
final class ParallelRefreshMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(ParallelRefreshMonitor.class);

    private final AppConfig config;
    private final CatalogClient catalog;
    private final Heartbeat heartbeat;
    private Set<Long> planned;
    private boolean warned;

    ParallelRefreshMonitor(AppConfig config, CatalogClient catalog) {
        this.config = config;
        this.catalog = catalog;
        String appId = config.streamsProperties().getProperty("application.id", "trickle-streams");
        this.heartbeat = new Heartbeat("streams", appId + "@" + ManagementFactory.getRuntimeMXBean().getName());
        LOG.info("Parallel refresh mode {}: {} stream thread(s), {} refresh worker(s) budgeted, at most {} concurrent "
                + "refreshes per database", config.parallelMode().configName(), config.streamThreads(),
                config.maxWorkers(), config.maxConcurrent());
    }

    /** Called after each catalog poll with what the engine runs now; never fails the engine. */
    void afterReconcile(KafkaStreams streams, Set<Long> running) {
        try {
            if (config.parallelMode().logsPlan() && !running.equals(planned)) {
                RefreshPlan plan = RefreshPlan.load(catalog.connection());
                LOG.info("Parallel refresh plan ({}{}): {}", config.parallelMode().configName(),
                        config.parallelMode() == ParallelMode.DRY_RUN ? ", not run: the engine runs one stream thread" : "",
                        plan.describe(config.maxWorkers()));
                planned = Set.copyOf(running);
            }
            if (heartbeat.due()) {
                heartbeat.beat(catalog.connection(), new Heartbeat.Report(config.parallelMode().configName(),
                        config.streamThreads(), config.maxConcurrent(), busyThreads(streams), 0, "[]"));
            }
            warned = false;
        } catch (SQLException | RuntimeException e) {
            if (!warned) {
                LOG.warn("Could not report to the catalog (heartbeat or plan): {}", e.getMessage());
                warned = true;
            }
        }
    }

    /** Stream threads with active tasks assigned: the workers doing refresh work in this instance. */
    private static int busyThreads(KafkaStreams streams) {
        if (streams == null || !streams.state().isRunningOrRebalancing()) {
            return 0;
        }
        int busy = 0;
        for (ThreadMetadata t : streams.metadataForLocalThreads()) {
            if (!t.activeTasks().isEmpty()) {
                busy++;
            }
        }
        return busy;
    }
}
