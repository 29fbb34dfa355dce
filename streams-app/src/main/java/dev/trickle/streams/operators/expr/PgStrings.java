package dev.trickle.streams.operators.expr;

import dev.trickle.streams.rows.EvaluationException;

/**
 * PostgreSQL's string functions, counting characters as Unicode code points (a UTF-8 database) rather
 * than Java's UTF-16 units. Case mapping is per code point (Unicode simple case mapping), as PostgreSQL
 * does with a UTF-8 locale; it does not expand characters such as ß. Under a collation whose LC_CTYPE
 * is C, PostgreSQL changes ASCII letters only ({@link #upperAscii}, {@link #lowerAscii}).
 */
public final class PgStrings {
    private PgStrings() {
    }

    public static long length(String s) {
        return s.codePointCount(0, s.length());
    }

    public static String upper(String s) {
        return s.codePoints().map(Character::toUpperCase)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    public static String lower(String s) {
        return s.codePoints().map(Character::toLowerCase)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** upper under a collation whose LC_CTYPE is C ("C", "POSIX"): PostgreSQL changes ASCII letters only. */
    public static String upperAscii(String s) {
        return s.codePoints().map(c -> c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** lower under a collation whose LC_CTYPE is C: ASCII letters only. */
    public static String lowerAscii(String s) {
        return s.codePoints().map(c -> c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** substring(s from start [for count]), 1-based; positions before 1 still consume the count. */
    public static String substring(String s, long start, Long count) throws EvaluationException {
        long n = length(s);
        long from = Math.max(start, 1);
        long to;
        if (count == null) {
            to = n + 1;
        } else {
            if (count < 0) {
                throw new EvaluationException("negative substring length not allowed");
            }
            // start + count may overflow in PostgreSQL too; it then means "to the end"
            long end = start + count;
            to = (count > 0 && end < start) ? n + 1 : Math.min(end, n + 1);
        }
        if (from > n || to <= from) {
            return "";
        }
        return slice(s, from - 1, to - 1);
    }

    private static String slice(String s, long fromChar, long toChar) {
        int b = s.offsetByCodePoints(0, (int) fromChar);
        int e = s.offsetByCodePoints(b, (int) (toChar - fromChar));
        return s.substring(b, e);
    }

    /** left(s, n): the first n characters; negative n: all but the last |n|. */
    public static String left(String s, long n) {
        long len = length(s);
        long k = n >= 0 ? Math.min(n, len) : Math.max(len + n, 0);
        return slice(s, 0, k);
    }

    /** right(s, n): the last n characters; negative n: all but the first |n|. */
    public static String right(String s, long n) {
        long len = length(s);
        long k = n >= 0 ? Math.min(n, len) : Math.max(len + n, 0);
        return slice(s, len - k, len);
    }

    /** position(needle in haystack) / strpos(haystack, needle): 1-based, 0 when absent, 1 for an empty needle. */
    public static long position(String needle, String haystack) {
        int i = haystack.indexOf(needle);
        return i < 0 ? 0 : haystack.codePointCount(0, i) + 1;
    }

    public static String replace(String s, String from, String to) {
        return from.isEmpty() ? s : s.replace(from, to);
    }

    /** btrim/ltrim/rtrim: removes the longest prefix and/or suffix made only of characters in {@code chars}. */
    public static String trim(String s, String chars, boolean leading, boolean trailing) {
        int b = 0;
        int e = s.length();
        if (leading) {
            while (b < e && chars.indexOf(s.codePointAt(b)) >= 0) {
                b += Character.charCount(s.codePointAt(b));
            }
        }
        if (trailing) {
            while (e > b && chars.indexOf(s.codePointBefore(e)) >= 0) {
                e -= Character.charCount(s.codePointBefore(e));
            }
        }
        return s.substring(b, e);
    }
}
