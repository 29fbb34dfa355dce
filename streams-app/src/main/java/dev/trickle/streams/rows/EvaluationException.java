package dev.trickle.streams.rows;

/** A row could not be evaluated; the message is PostgreSQL's for the same error (e.g. {@code division by zero}). */
public final class EvaluationException extends Exception {
    public EvaluationException(String message) {
        super(message);
    }
}
