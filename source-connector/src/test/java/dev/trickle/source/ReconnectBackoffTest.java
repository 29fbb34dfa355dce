package dev.trickle.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** While PostgreSQL is away the source task tries again soon and often, so that ticks resume right after it is back. */
class ReconnectBackoffTest {
    @Test
    void pausesGrowToOneSecondAndStayThere() {
        assertEquals(250, TrickleSourceTask.backoffMs(1, 0));
        assertEquals(500, TrickleSourceTask.backoffMs(2, 0));
        assertEquals(1000, TrickleSourceTask.backoffMs(3, 0));
        for (int failures = 4; failures < 1000; failures *= 3) {
            assertEquals(1000, TrickleSourceTask.backoffMs(failures, 0), "after " + failures + " failures");
        }
    }

    @Test
    void jitterAddsAtMostAFifth() {
        for (int failures = 1; failures < 10; failures++) {
            long base = TrickleSourceTask.backoffMs(failures, 0);
            long most = TrickleSourceTask.backoffMs(failures, 0.999_999);
            assertTrue(most > base && most <= base * 1.2, failures + ": " + base + " .. " + most);
        }
    }
}
