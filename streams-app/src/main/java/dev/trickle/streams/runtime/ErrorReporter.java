package dev.trickle.streams.runtime;

/** Where a stream table that cannot go on is reported (the catalog, so that pgt_status() shows it). */
@FunctionalInterface
public interface ErrorReporter {
    void streamTableFailed(long streamTableId, String message);

    /**
     * The stream table's fill cannot be used (see {@link UpstreamInputs}): it needs another one. Where
     * nothing can fill it again, that is a failure.
     */
    default void refillNeeded(long streamTableId, String reason) {
        streamTableFailed(streamTableId, reason);
    }
}
