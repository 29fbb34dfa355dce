package dev.trickle.streams.sql;

/** The defining query is not valid SQL, or names something that does not exist; the message says where. */
public final class QueryCompileException extends Exception {
    public QueryCompileException(String message, Throwable cause) {
        super(message, cause);
    }

    public QueryCompileException(String message) {
        super(message);
    }
}
