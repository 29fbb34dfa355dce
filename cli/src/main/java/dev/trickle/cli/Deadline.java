package dev.trickle.cli;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Waiting on a condition until a deadline, polling with a short, growing pause. */
public final class Deadline {
    private final long endNanos;
    private final Duration total;

    private Deadline(Duration total) {
        this.total = total;
        this.endNanos = System.nanoTime() + total.toNanos();
    }

    public static Deadline in(Duration total) {
        return new Deadline(total);
    }

    public boolean passed() {
        return System.nanoTime() - endNanos >= 0;
    }

    public Duration total() {
        return total;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    /**
     * Polls {@code check} until it returns a non-null value (returned) or the deadline passes
     * ({@link TimeoutException} with {@code what} and the last failure, if any). The check may throw
     * to mean "not yet"; an {@link Error} or a {@link Fatal} ends the wait at once.
     */
    public <T> T await(String what, Supplier<T> check) throws TimeoutException, InterruptedException {
        long pauseMs = 20;
        Exception last = null;
        while (true) {
            try {
                T value = check.get();
                if (value != null) {
                    return value;
                }
            } catch (Fatal f) {
                throw f;
            } catch (RuntimeException e) {
                last = e;
            }
            if (passed()) {
                TimeoutException t = new TimeoutException(what + " did not happen within " + seconds(total)
                        + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
                if (last != null) {
                    t.initCause(last);
                }
                throw t;
            }
            Thread.sleep(Math.min(pauseMs, Math.max(1, remaining().toMillis())));
            pauseMs = Math.min(500, pauseMs * 2);
        }
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** Thrown by a check to stop waiting: the condition can no longer come true. */
    public static final class Fatal extends RuntimeException {
        public Fatal(String message) {
            super(message);
        }

        public Fatal(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
