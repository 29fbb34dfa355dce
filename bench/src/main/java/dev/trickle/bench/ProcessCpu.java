package dev.trickle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used so far (user + system, from {@code /proc/<pid>/stat}), in milliseconds; -1 where
 * there is no such file. On a machine shared with other work, wall times say little about how much work a tick
 * took; CPU time does.
 */
final class ProcessCpu {
    /** Clock ticks per second of {@code /proc} times ({@code getconf CLK_TCK}; 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessCpu() {
    }

    /**
     * CPU time the whole machine has spent busy so far (every core's user, nice, system, irq, softirq and steal time
     * from the first line of {@code /proc/stat}), in core-milliseconds; -1 where there is no such file. Over an
     * interval, divided by its wall time, it says how many of the cores the work kept busy.
     */
    static double machineBusyMillis() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Nanoseconds process {@code pid}'s main thread has run on a CPU so far ({@code /proc/<pid>/schedstat}; a
     * PostgreSQL backend is one thread); -1 where there is no such file. Finer than {@link #millis}'s clock ticks
     * (10 ms), so that a step of a few milliseconds can be measured.
     */
    static long scheduledNanos(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "schedstat"));
            return Long.parseLong(s.substring(0, s.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double millis(long pid) {
        return ticks(pid, false);
    }

    /**
     * As {@link #millis}, plus the CPU time of the children it has reaped (cutime, cstime): for PostgreSQL's
     * postmaster, the backends and workers that have exited. Add the live children's {@link #millis} for the
     * whole server.
     */
    static double millisWithReapedChildren(long pid) {
        return ticks(pid, true);
    }

    /** The process tree of {@code pid}: its own and its reaped children's CPU time plus its live descendants'. */
    static double treeMillis(long pid) {
        double own = millisWithReapedChildren(pid);
        if (own < 0) {
            return -1;
        }
        return own + ProcessHandle.of(pid).map(p -> p.descendants().mapToDouble(d -> Math.max(0, millis(d.pid()))).sum())
                .orElse(0.0);
    }

    /**
     * CPU time of one thread {@code tid} of process {@code pid}: from {@code /proc/PID/task/TID/stat}, since
     * {@code /proc/TID/stat} gives the whole process's.
     */
    static double threadMillis(long pid, long tid) {
        return ticks(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "stat"), false);
    }

    private static double ticks(long pid, boolean withChildren) {
        return ticks(Path.of("/proc", Long.toString(pid), "stat"), withChildren);
    }

    private static double ticks(Path statFile, boolean withChildren) {
        try {
            String stat = Files.readString(statFile);
            // fields after the command name in parentheses (which may contain spaces): utime is the 14th field
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
