package dev.trickle.sink;

/** What happened to one complete tick. */
record ApplyResult(Outcome outcome, String streamTable, long inserted, long deleted, double millis, String message) {

    enum Outcome {
        /** Written, with its progress row, in one committed transaction. */
        APPLIED,
        /** The progress row says this tick is in already (redelivery after a crash or a retry). */
        ALREADY_APPLIED,
        /** The stream table was dropped: nothing to write to. */
        DROPPED,
        /** The stream table is in ERROR: only a re-initialisation (an initial tick) can repair it. */
        AWAITING_REFRESH,
        /** Suspended after repeated failures: skipped until pgtrickle.resume_stream_table. */
        SUSPENDED,
        /** Could not be applied; the stream table is now in ERROR and {@code message} says why. */
        FAILED,
        /** Could not be applied; the failure is counted and the tick is tried again after the backoff. */
        RETRY,
        /** Could not be applied, for the last allowed time in a row: the stream table is now SUSPENDED. */
        NOW_SUSPENDED,
        /** Rolled back because another tick of the same transaction (an atomic group) failed; tried again. */
        DEFERRED
    }

    /** Whether the tick is done with (applied or given up); a RETRY or DEFERRED tick is kept for another attempt. */
    boolean finished() {
        return outcome != Outcome.RETRY && outcome != Outcome.DEFERRED;
    }

    static ApplyResult applied(String streamTable, long inserted, long deleted, double millis) {
        return new ApplyResult(Outcome.APPLIED, streamTable, inserted, deleted, millis, null);
    }

    static ApplyResult skipped(Outcome outcome, String streamTable) {
        return new ApplyResult(outcome, streamTable, 0, 0, 0, null);
    }

    static ApplyResult failed(String streamTable, String message) {
        return new ApplyResult(Outcome.FAILED, streamTable, 0, 0, 0, message);
    }

    static ApplyResult failedAttempt(boolean suspended, String streamTable, String message) {
        return new ApplyResult(suspended ? Outcome.NOW_SUSPENDED : Outcome.RETRY, streamTable, 0, 0, 0, message);
    }
}
