package dev.trickle.core.records;

/** A record on a Trickle topic that is not one Trickle wrote: the message says what is wrong with it. */
public final class MalformedRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }

    public MalformedRecordException(String message) {
        super(message);
    }
}
