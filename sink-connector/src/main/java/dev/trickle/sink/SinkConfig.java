package dev.trickle.sink;

import dev.trickle.core.parallel.ParallelMode;
import dev.trickle.core.pg.PgConnectionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Settings of the Trickle sink connector. The delta topics to read come from Connect's own
 * {@code topics} or {@code topics.regex} (typically {@code trickle\.delta\..*}).
 */
public final class SinkConfig extends AbstractConfig {
    public static final String PG_URL = PgConnectionConfig.URL;
    public static final String PG_USER = PgConnectionConfig.USER;
    public static final String PG_PASSWORD = PgConnectionConfig.PASSWORD;
    public static final String PG_CONNECT_TIMEOUT_MS = "pg.connect.timeout.ms";
    public static final String APPLY_MAX_RETRIES = "apply.max.retries";
    public static final String APPLY_RETRY_BACKOFF_MS = "apply.retry.backoff.ms";
    public static final String APPLY_BATCH_MAX_TICKS = "apply.batch.max.ticks";
    public static final String PARALLEL_MODE = ParallelMode.KEY;
    public static final String MAX_WORKERS = ParallelMode.MAX_WORKERS_KEY;
    public static final String MAX_CONCURRENT = ParallelMode.MAX_CONCURRENT_KEY;

    static final String GROUP_CONNECTION = "Connection";
    static final String GROUP_APPLY = "Apply";
    static final String GROUP_PARALLEL = "Parallel refresh";
    /** Set by the connector in each task's configuration: how many tasks share the worker budget. */
    static final String TASK_COUNT = "trickle.task.count";

    /** Shown in pg_stat_activity, so that a DBA can tell the sink's sessions apart. */
    static final String APPLICATION_NAME = "trickle-sink";

    public static final ConfigDef CONFIG_DEF = define();

    private final PgConnectionConfig pg;

    public SinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props, false);
        PgConnectionConfig.logValues(this); // Kafka's own log of the values would show a password in pg.url
        pg = PgConnectionConfig.of(this, "");
    }

    private static ConfigDef define() {
        int a = 0;
        int p = 0;
        int c = 3; // pg.url, pg.user, pg.password
        return PgConnectionConfig.define(new ConfigDef(), "", GROUP_CONNECTION,
                        "It needs to write the stream tables and the pgtrickle catalog tables.")
                .define(PG_CONNECT_TIMEOUT_MS, Type.INT, 10_000, Range.between(1_000, 600_000), Importance.LOW,
                        "How long to wait for PostgreSQL to accept a connection before the attempt counts as failed.",
                        GROUP_CONNECTION, ++c, Width.SHORT, "Connect timeout (ms)")
                .define(APPLY_MAX_RETRIES, Type.INT, 3, Range.atLeast(0), Importance.MEDIUM,
                        "How many times in a row applying a tick may fail on a lost or unusable PostgreSQL connection "
                                + "before the task stops with an error. Each retry reconnects; nothing is applied twice, "
                                + "because the progress row is written in the same transaction as the data.",
                        GROUP_APPLY, ++a, Width.SHORT, "Max retries")
                .define(APPLY_RETRY_BACKOFF_MS, Type.LONG, 2_000L, Range.atLeast(0), Importance.LOW,
                        "How long Connect waits before it delivers the records again after a failed apply.",
                        GROUP_APPLY, ++a, Width.SHORT, "Retry backoff (ms)")
                .define(APPLY_BATCH_MAX_TICKS, Type.INT, 1_000, Range.atLeast(1), Importance.LOW,
                        "At most this many consecutive complete ticks of one stream table (or one atomic group) that "
                                + "are waiting are applied together in one transaction: their deltas are summed (a row "
                                + "inserted by one tick and deleted by the next costs nothing), and the stream table goes "
                                + "straight to the last tick. Under backlog, idle ticks then cost almost nothing. A fill "
                                + "is never merged with the ticks before it. 1 applies every tick in a transaction of "
                                + "its own.",
                        GROUP_APPLY, ++a, Width.SHORT, "Max ticks per transaction")
                .define(PARALLEL_MODE, Type.STRING, "off", ConfigDef.ValidString.in(ParallelMode.NAMES), Importance.MEDIUM,
                        "Parallel refresh (pg_trickle's parallel_refresh_mode). off: complete ticks of different stream "
                                + "tables are applied one at a time; dry_run: the same, and the plan 'on' would run "
                                + "(execution units in dependency order, see pgtrickle.parallel_plan()) is logged whenever it "
                                + "changes; on: the units' complete ticks are applied at the same time, each on its own "
                                + "PostgreSQL connection, at most min(max.dynamic.refresh.workers, max.concurrent.refreshes) "
                                + "at once. Each stream table's ticks stay in order either way.",
                        GROUP_PARALLEL, ++p, Width.SHORT, "Parallel refresh mode")
                .define(MAX_WORKERS, Type.INT, ParallelMode.DEFAULT_MAX_WORKERS, Range.atLeast(1), Importance.MEDIUM,
                        "Worker budget of the connector (pg_trickle's max_dynamic_refresh_workers): how many execution "
                                + "units it applies at once with parallel.refresh.mode=on, split evenly over its tasks "
                                + "(each gets at least one).",
                        GROUP_PARALLEL, ++p, Width.SHORT, "Refresh workers")
                .define(MAX_CONCURRENT, Type.INT, ParallelMode.DEFAULT_MAX_CONCURRENT,
                        Range.between(1, ParallelMode.MAX_CONCURRENT_LIMIT), Importance.LOW,
                        "Cap of refreshes the connector applies to the database at once, whatever the worker budget "
                                + "(pg_trickle's max_concurrent_refreshes), split evenly over its tasks (each gets at least "
                                + "one); each refresh takes one PostgreSQL connection.",
                        GROUP_PARALLEL, ++p, Width.SHORT, "Concurrent refreshes");
    }

    public String url() {
        return pg.url();
    }

    /** pg.url without any password in it: the form for logs and messages. */
    public String redactedUrl() {
        return pg.redactedUrl();
    }

    public String user() {
        return pg.user();
    }

    public String password() {
        return pg.password();
    }

    public int maxRetries() {
        return getInt(APPLY_MAX_RETRIES);
    }

    public int batchMaxTicks() {
        return getInt(APPLY_BATCH_MAX_TICKS);
    }

    public long retryBackoffMs() {
        return getLong(APPLY_RETRY_BACKOFF_MS);
    }

    public ParallelMode parallelMode() {
        return ParallelMode.parse(getString(PARALLEL_MODE));
    }

    public int maxWorkers() {
        return getInt(MAX_WORKERS);
    }

    public int maxConcurrent() {
        return getInt(MAX_CONCURRENT);
    }

    /** How many tasks of the connector share the budget (1 outside a connector's task configs). */
    int taskCount() {
        Object n = originals().get(TASK_COUNT);
        return n == null ? 1 : Math.max(1, Integer.parseInt(n.toString().trim()));
    }

    /** This task's share of max.dynamic.refresh.workers: the budget is the connector's, split over its tasks. */
    public int taskWorkers() {
        return Math.max(1, maxWorkers() / taskCount());
    }

    /**
     * Units this task applies at once: one unless on, then its share of the worker budget within its share of the
     * per-database cap (every task gets at least one).
     */
    public int parallelism() {
        if (parallelMode() != ParallelMode.ON) {
            return 1;
        }
        return Math.min(taskWorkers(), Math.max(1, maxConcurrent() / taskCount()));
    }

    /** A new connection in autocommit mode; the driver is called directly so that Connect's plugin isolation cannot hide it. */
    public Connection connect() throws SQLException {
        Properties props = pg.properties(APPLICATION_NAME);
        int timeoutSeconds = (int) Math.ceil(getInt(PG_CONNECT_TIMEOUT_MS) / 1000.0);
        props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("tcpKeepAlive", "true");
        return pg.connect(props);
    }

    /** The connector's version, filled in by the build. */
    static String version() {
        try (InputStream in = SinkConfig.class.getResourceAsStream("/trickle-sink.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
