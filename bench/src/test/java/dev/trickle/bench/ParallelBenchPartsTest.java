package dev.trickle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The parallel refresh benchmark's small parts: the change fraction and the CPU clock of a process. */
class ParallelBenchPartsTest {
    private static ParallelConfig withPercent(int percent) {
        return new ParallelConfig(20, 1000, 10, percent, 1, 4, true, 1000, "1g", Path.of("out.md"), Path.of("work"),
                ParallelConfig.AGGREGATE, 50, "ParallelGC");
    }

    @Test
    void theBulkChangeTouchesTheGivenPercentOfRows() {
        assertEquals(20, withPercent(5).modulus()); // id % 20 = r: 5% of the rows
        assertEquals(1, withPercent(100).modulus());
        assertEquals(100, withPercent(0).modulus()); // at least one row in a hundred
    }

    @Test
    void cpuTimeOfThisProcessGrowsWithWorkAndIsMinusOneForNoProcess() {
        long pid = ProcessHandle.current().pid();
        double before = ProcessCpu.millis(pid);
        assertTrue(before > 0, "CPU time of this JVM: " + before);
        // spin until the clock moves (10 ms steps), however little of a core a loaded machine gives this JVM
        long sum = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (ProcessCpu.millis(pid) <= before && System.nanoTime() < deadline) {
            for (int i = 0; i < 1_000_000; i++) {
                sum += Long.numberOfTrailingZeros(sum + i);
            }
        }
        assertTrue(ProcessCpu.millis(pid) > before, "work cost CPU time (" + sum + ")");
        assertEquals(-1, ProcessCpu.millis(Long.MAX_VALUE));
    }

    @Test
    void machineCpuTimeGrowsWhileThisProcessWorks() {
        double before = ProcessCpu.machineBusyMillis();
        assertTrue(before > 0, "busy time of the machine: " + before);
        long sum = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (ProcessCpu.machineBusyMillis() <= before && System.nanoTime() < deadline) {
            for (int i = 0; i < 1_000_000; i++) {
                sum += Long.numberOfTrailingZeros(sum + i);
            }
        }
        assertTrue(ProcessCpu.machineBusyMillis() > before, "work kept a core busy (" + sum + ")");
    }
}
