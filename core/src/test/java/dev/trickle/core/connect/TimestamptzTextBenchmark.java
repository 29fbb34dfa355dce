package dev.trickle.core.connect;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * CPU per timestamptz conversion, the common form's shortcut ({@link PgTemporalText#isoToTimestamptz} and
 * {@link PgTemporalText#timestamptzToIso}) against the general conversion alone, on times of a year of
 * microsecond-stamped commits (every day of the month, so about 1 in 10 takes the general path anyway), rounds
 * interleaved, by the thread's CPU time. Not a test; run by hand:
 * java -cp core/target/classes:core/target/test-classes dev.trickle.core.connect.TimestamptzTextBenchmark
 */
public final class TimestamptzTextBenchmark {
    private TimestamptzTextBenchmark() {
    }

    public static void main(String[] args) {
        int n = 100_000;
        Random random = new Random(13);
        String[] pg = new String[n];
        String[] iso = new String[n];
        long start = 1_767_225_600_000_000L; // 2026-01-01
        for (int i = 0; i < n; i++) {
            pg[i] = PgTemporalText.formatTimestamp(start + random.nextLong(365L * 86_400_000_000L)) + "+00";
            iso[i] = PgTemporalText.anyTimestamptzToIso(pg[i]);
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long[] ns = new long[4];
        for (int round = 0; round < 30; round++) {
            boolean timed = round >= 10;
            ns[0] += time(cpu, iso, PgTemporalText::isoToTimestamptz, timed);
            ns[1] += time(cpu, iso, PgTemporalText::anyIsoToTimestamptz, timed);
            ns[2] += time(cpu, pg, PgTemporalText::timestamptzToIso, timed);
            ns[3] += time(cpu, pg, PgTemporalText::anyTimestamptzToIso, timed);
        }
        double per = 20.0 * n;
        System.out.printf("ISO -> PostgreSQL text: %.0f ns (shortcut) against %.0f ns (general)%n", ns[0] / per, ns[1] / per);
        System.out.printf("PostgreSQL text -> ISO: %.0f ns (shortcut) against %.0f ns (general)%n", ns[2] / per, ns[3] / per);
    }

    private static long time(ThreadMXBean cpu, String[] in, UnaryOperator<String> f, boolean timed) {
        long sink = 0;
        long t0 = cpu.getCurrentThreadCpuTime();
        for (String s : in) {
            sink += f.apply(s).length();
        }
        long t = cpu.getCurrentThreadCpuTime() - t0;
        if (sink == 42) {
            System.out.print("");
        }
        return timed ? t : 0;
    }
}
