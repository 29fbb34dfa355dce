package dev.trickle.e2e;

import dev.trickle.cli.LocalStack;
import java.time.Duration;

/** The one local stack that the end-to-end tests of a run share (fast ticks), stopped at JVM exit. */
final class E2eStack {
    private static LocalStack stack;
    private static Exception failure;

    private E2eStack() {
    }

    static synchronized LocalStack get() throws Exception {
        if (failure != null) {
            throw new IllegalStateException("the end-to-end stack failed to start: " + failure.getMessage(), failure);
        }
        if (stack == null) {
            try {
                stack = LocalStack.builder()
                        .sourceConfig("tick.interval.ms", "200")
                        .timeout(Duration.ofSeconds(180))
                        .progress(System.err)
                        .start();
            } catch (Exception e) {
                failure = e;
                throw e;
            }
            LocalStack started = stack;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "e2e-stack-stop"));
        }
        return stack;
    }
}
