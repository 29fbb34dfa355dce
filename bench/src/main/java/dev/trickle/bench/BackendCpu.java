package dev.trickle.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where PostgreSQL's and the Connect worker's CPU goes, finer than {@link ComponentCpu}: each PostgreSQL backend
 * grouped by what it serves (the writers' own backends, the walsender decoding the WAL, and every other backend by
 * its {@code application_name}, e.g. {@code trickle-source wal buffers} where the source connector writes decoded
 * rows into the change buffers, {@code trickle-source ticks} / {@code wal ticks} where ticks read them back,
 * {@code trickle-source catalog} where the ticker writes ticks and cleans the buffers), and the Connect worker's
 * WAL decoding thread. The CPU of a backend that exits within a phase is not in its group (it is in
 * PostgreSQL's total, which the postmaster reaps); the stack's backends live for the whole run.
 */
final class BackendCpu {
    static final String PG = "PostgreSQL: ";
    static final String WRITERS = PG + "the writers' backends";
    static final String WALSENDER = PG + "walsender (logical decoding)";
    static final String DECODER = "Connect: WAL decoding thread";
    /** The Connect worker names the decoding thread {@code trickle-wal-<slot>}; Linux keeps 15 characters of it. */
    private static final String DECODER_THREAD = "trickle-wal-";

    /** One process or thread: what it serves and the CPU it has used so far (ms). */
    record Sample(String group, double millis) {
    }

    private final long connectPid;
    private final Set<Long> writerPids;

    BackendCpu(long connectPid, Collection<Long> writerPids) {
        this.connectPid = connectPid;
        this.writerPids = new HashSet<>(writerPids);
    }

    /** CPU so far of every backend of the server {@code c} is connected to, and of the decoding thread, by pid/tid. */
    Map<Long, Sample> snapshot(Connection c) throws SQLException {
        Map<Long, Sample> m = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT pid, coalesce(backend_type, ''), coalesce(application_name, '') FROM pg_stat_activity")) {
            while (rs.next()) {
                long pid = rs.getLong(1);
                double ms = ProcessCpu.millis(pid);
                if (ms >= 0) {
                    m.put(pid, new Sample(group(pid, rs.getString(2), rs.getString(3)), ms));
                }
            }
        }
        for (long tid : threads(connectPid, DECODER_THREAD)) {
            double ms = ProcessCpu.threadMillis(connectPid, tid);
            if (ms >= 0) {
                m.put(tid, new Sample(DECODER, ms));
            }
        }
        return m;
    }

    private String group(long pid, String backendType, String applicationName) {
        if (writerPids.contains(pid)) {
            return WRITERS;
        }
        if ("walsender".equals(backendType)) {
            return WALSENDER;
        }
        return PG + (applicationName.isBlank() ? backendType : applicationName);
    }

    /**
     * CPU per group between two snapshots (ms), sorted by group name: a process that started in between counts
     * from zero, one that ended is left out.
     */
    static Map<String, Double> minus(Map<Long, Sample> after, Map<Long, Sample> before) {
        Map<String, Double> d = new TreeMap<>();
        after.forEach((pid, a) -> {
            Sample b = before.get(pid);
            double from = b == null || !b.group().equals(a.group()) ? 0 : b.millis();
            d.merge(a.group(), Math.max(0, a.millis() - from), Double::sum);
        });
        return new LinkedHashMap<>(d);
    }

    /** The threads of {@code pid} whose name starts with {@code prefix} (from /proc/PID/task/TID/comm). */
    static Set<Long> threads(long pid, String prefix) {
        Set<Long> tids = new HashSet<>();
        if (pid <= 0) {
            return tids;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().startsWith(prefix)) {
                        tids.add(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked: nothing to count
                }
            }
        } catch (IOException e) {
            // no such process (or no /proc): no thread to count
        }
        return tids;
    }
}
