package dev.trickle.streams.operators.expr;

import java.time.Instant;

/**
 * A {@code timestamp with time zone} value: the instant (for comparisons) and the text it arrived as.
 * Its text form depends on the session's TimeZone, so the engine never renders one itself: it passes
 * the captured text through.
 */
public record Timestamptz(Instant instant, String text) implements Comparable<Timestamptz> {
    @Override
    public int compareTo(Timestamptz o) {
        return instant.compareTo(o.instant);
    }
}
