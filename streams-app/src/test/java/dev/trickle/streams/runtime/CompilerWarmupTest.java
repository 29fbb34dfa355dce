package dev.trickle.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The warm-up query must compile, or the warm-up would load only part of what a stream table's compilation needs. */
class CompilerWarmupTest {
    @Test
    void theWarmupQueryCompilesThroughEveryStage() throws Exception {
        String explain = CompilerWarmup.compile().explain();
        assertTrue(explain.contains("InnerJoin") && explain.contains("Aggregate"), explain);
    }
}
