package dev.trickle.streams.operators.expr;

import java.time.Instant;

/**
 * A {@code timestamp with time zone} value: the instant (for comparisons) and its text, as captured (in UTC,
 * the source connector's TimeZone) or, for values the engine computes, in UTC too ({@link PgTimestamptz#of}).
 * The text PostgreSQL prints in a session's TimeZone is {@link PgTimestamptz#format}.
 */
public record Timestamptz(Instant instant, String text) implements Comparable<Timestamptz> {
    @Override
    public int compareTo(Timestamptz o) {
        return instant.compareTo(o.instant);
    }
}
