package dev.trickle.streams.runtime;

/** Where a stream table that cannot go on is reported (the catalog, so that pgt_status() shows it). */
@FunctionalInterface
public interface ErrorReporter {
    void streamTableFailed(long streamTableId, String message);
}
