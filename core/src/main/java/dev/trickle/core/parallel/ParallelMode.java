package dev.trickle.core.parallel;

import java.util.Locale;

/**
 * {@code parallel.refresh.mode}, as pg_trickle's {@code parallel_refresh_mode}: {@code off} refreshes one stream
 * table at a time, {@code dry_run} too but logs the plan {@code on} would run, {@code on} runs independent
 * execution units at the same time within the worker budget.
 */
public enum ParallelMode {
    OFF, DRY_RUN, ON;

    /** The setting's name for each value, as written in configuration files. */
    public static final String[] NAMES = {"off", "dry_run", "on"};

    /** The key of the setting in every component's configuration. */
    public static final String KEY = "parallel.refresh.mode";
    /** The worker budget across all stream tables (pg_trickle's max_dynamic_refresh_workers). */
    public static final String MAX_WORKERS_KEY = "max.dynamic.refresh.workers";
    /** How many refreshes may write to the database at once (pg_trickle's max_concurrent_refreshes). */
    public static final String MAX_CONCURRENT_KEY = "max.concurrent.refreshes";
    public static final int DEFAULT_MAX_WORKERS = 4;
    public static final int DEFAULT_MAX_CONCURRENT = 4;
    /** pg_trickle's upper bound of max_concurrent_refreshes. */
    public static final int MAX_CONCURRENT_LIMIT = 32;

    public static ParallelMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (ParallelMode m : values()) {
            if (m.configName().equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("invalid " + KEY + " '" + value + "': use off, dry_run or on");
    }

    public String configName() {
        return NAMES[ordinal()];
    }

    /** Whether the plan is logged when the set of stream tables changes. */
    public boolean logsPlan() {
        return this != OFF;
    }
}
