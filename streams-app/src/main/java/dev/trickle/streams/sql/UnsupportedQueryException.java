package dev.trickle.streams.sql;

/**
 * The query is valid but the engine cannot maintain it incrementally; the user can still create the
 * stream table in FULL refresh mode.
 */
public final class UnsupportedQueryException extends Exception {
    private final String construct;
    private final String detail;

    public UnsupportedQueryException(String construct, String detail) {
        super(construct + " is not maintained incrementally yet" + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")")
                + "; use refresh_mode => 'FULL' (or 'AUTO') in create_stream_table or alter_stream_table");
        this.construct = construct;
        this.detail = detail;
    }

    public UnsupportedQueryException(String construct) {
        this(construct, null);
    }

    /** The SQL construct that is not supported, e.g. {@code JOIN}, {@code DISTINCT}, {@code random()}. */
    public String construct() {
        return construct;
    }

    /** Why, or where, when known (else null). */
    public String detail() {
        return detail;
    }
}
