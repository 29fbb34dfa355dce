package dev.trickle.core.connect;

/**
 * The common case of {@link PgTemporalText}'s timestamptz conversions, without date arithmetic: a UTC time in years
 * 1 to 9999, whose PostgreSQL text ({@code 2026-12-07 23:24:00.5+00}) and ISO-8601 text ({@code
 * 2026-12-07T23:24:00.5Z}) differ only in the separator, the zone's spelling and the fraction's trailing zeros. Every
 * row change of a table with a timestamptz column goes through both conversions (the change record's value is read
 * as PostgreSQL's text; the delta record carries ISO again), and the general conversion (parse to microseconds,
 * through {@code LocalDate}, and format) was a tenth of the streams app's CPU in the throughput benchmark
 * (docs/benchmarks.md, session 13).
 *
 * <p>Each method returns null for anything outside the narrow form it checks character by character, and the
 * caller then takes the general conversion: dates past the 28th of a month (no month-length rules here), other
 * offsets, years BC or beyond 9999, infinity, fields out of range, and malformed text. For every text it accepts,
 * the result equals the general conversion's (tested on every field's edges and on random texts, {@code
 * CommonUtcTextTest}).
 */
final class CommonUtcText {
    private CommonUtcText() {
    }

    /**
     * {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z} → {@code YYYY-MM-DD HH:MM:SS[.micros]+00}: the fraction cut to
     * microseconds (as the general conversion reads it) without its trailing zeros (as PostgreSQL writes it).
     */
    static String fromIso(String iso) {
        int n = iso.length();
        if (n < 20 || iso.charAt(n - 1) != 'Z' || iso.charAt(10) != 'T' || !dateAndTime(iso)) {
            return null;
        }
        int end = 19;
        if (n > 20) {
            if (iso.charAt(19) != '.' || n - 21 > 9 || !digits(iso, 20, n - 1)) {
                return null;
            }
            end = Math.min(n - 1, 26);
            while (end > 20 && iso.charAt(end - 1) == '0') {
                end--;
            }
            if (end == 20) {
                end = 19; // a fraction of zeros: none
            }
        }
        char[] out = new char[end + 3];
        iso.getChars(0, end, out, 0);
        out[10] = ' ';
        out[end] = '+';
        out[end + 1] = '0';
        out[end + 2] = '0';
        return new String(out);
    }

    /**
     * {@code YYYY-MM-DD HH:MM:SS[.micros]+00}, the fraction of one to six digits without trailing zeros (as
     * PostgreSQL writes it), → {@code YYYY-MM-DDTHH:MM:SS[.micros]Z}.
     */
    static String toIso(String text) {
        int n = text.length();
        if (n < 22 || text.charAt(10) != ' ' || !text.endsWith("+00") || !dateAndTime(text)) {
            return null;
        }
        int end = n - 3;
        if (end != 19 && (text.charAt(19) != '.' || end == 20 || end - 20 > 6 || !digits(text, 20, end)
                || text.charAt(end - 1) == '0')) {
            return null;
        }
        char[] out = new char[end + 1];
        text.getChars(0, end, out, 0);
        out[10] = 'T';
        out[end] = 'Z';
        return new String(out);
    }

    /** Characters 0 to 18: {@code YYYY-MM-DD?HH:MM:SS}, year 1 to 9999, day 1 to 28, a valid time of day. */
    private static boolean dateAndTime(String s) {
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':' || s.charAt(16) != ':'
                || !digits(s, 0, 4) || !digits(s, 5, 7) || !digits(s, 8, 10) || !digits(s, 11, 13)
                || !digits(s, 14, 16) || !digits(s, 17, 19)) {
            return false;
        }
        int month = two(s, 5);
        int day = two(s, 8);
        return (two(s, 0) != 0 || two(s, 2) != 0) && month >= 1 && month <= 12 && day >= 1 && day <= 28
                && two(s, 11) <= 23 && two(s, 14) <= 59 && two(s, 17) <= 59;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static int two(String s, int at) {
        return (s.charAt(at) - '0') * 10 + s.charAt(at + 1) - '0';
    }
}
